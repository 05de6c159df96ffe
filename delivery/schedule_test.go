package delivery

import (
	"net/http"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
)

func TestDecide(t *testing.T) {
	now := time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC)
	custom := &feedwire.Webhook{RetrySchedule: []time.Duration{time.Minute, time.Hour}}
	tests := []struct {
		name    string
		webhook *feedwire.Webhook
		test    bool
		number  int
		status  int
		class   feedwire.ErrorClass
		want    feedwire.Outcome
		delay   time.Duration // exact when the schedule is custom
	}{
		{"2xx", custom, false, 1, 204, "", feedwire.OutcomeDelivered, 0},
		{"first failure", custom, false, 1, 500, feedwire.ErrorStatus, feedwire.OutcomeRetry, time.Minute},
		{"second failure", custom, false, 2, 0, feedwire.ErrorTimeout, feedwire.OutcomeRetry, time.Hour},
		{"schedule used up", custom, false, 3, 500, feedwire.ErrorStatus, feedwire.OutcomeFailed, 0},
		{"a test is tried once", custom, true, 1, 500, feedwire.ErrorStatus, feedwire.OutcomeFailed, 0},
		{"redirect fails", custom, false, 1, 302, feedwire.ErrorRedirect, feedwire.OutcomeRetry, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &feedwire.Attempt{DeliveryID: "d1", Number: tt.number, ResponseStatus: tt.status, ErrorClass: tt.class}
			c := &feedwire.Claim{Webhook: tt.webhook, Delivery: feedwire.Delivery{Test: tt.test}}
			decide(a, c, "", now)
			if a.Outcome != tt.want {
				t.Fatalf("got %s, want %s", a.Outcome, tt.want)
			}
			if tt.want == feedwire.OutcomeRetry && a.NextAttemptAt.Sub(now) != tt.delay {
				t.Errorf("next attempt in %v, want %v", a.NextAttemptAt.Sub(now), tt.delay)
			}
		})
	}
}

// TestDefaultScheduleJitter checks the default schedule: about three days over ten
// attempts, each delay within 10% of its nominal value, spread across deliveries and the
// same each time for one attempt.
func TestDefaultScheduleJitter(t *testing.T) {
	var total time.Duration
	for _, d := range feedwire.DefaultRetrySchedule {
		total += d
	}
	if total < 72*time.Hour || total > 96*time.Hour {
		t.Errorf("the default schedule spans %v, want about three days", total)
	}
	now := time.Now()
	seen := map[time.Duration]bool{}
	for _, id := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		a := &feedwire.Attempt{DeliveryID: id, Number: 1, ResponseStatus: http.StatusInternalServerError, ErrorClass: feedwire.ErrorStatus}
		decide(a, &feedwire.Claim{Webhook: &feedwire.Webhook{}}, "", now)
		delay := a.NextAttemptAt.Sub(now)
		if delay < 4500*time.Millisecond || delay > 5500*time.Millisecond {
			t.Errorf("delivery %s: first retry in %v, want 5s ± 10%%", id, delay)
		}
		if again := jitter(5*time.Second, id, 1); again != delay {
			t.Errorf("delivery %s: jitter %v then %v; want the same", id, delay, again)
		}
		seen[delay] = true
	}
	if len(seen) < 4 {
		t.Errorf("eight deliveries got only %d different delays; jitter does not spread them", len(seen))
	}
}
