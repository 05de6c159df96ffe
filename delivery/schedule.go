package delivery

import (
	"hash/fnv"
	"net/http"
	"strconv"
	"time"

	"github.com/feedwire/feedwire"
)

// maxRetryAfter bounds how long a receiver's Retry-After can hold a delivery back.
const maxRetryAfter = 24 * time.Hour

// decide sets the attempt's outcome, the one place that says what happens next:
// delivered on a 2xx; otherwise another attempt after the schedule's delay (later when a
// 429 or 503 says Retry-After), or failed when the schedule is used up or the delivery is
// a test. Suspension for 410 Gone or for failing too long is the webhook's to decide, in
// feedwire.Webhook.RecordAttempt, since it depends on the webhook's whole record.
func decide(a *feedwire.Attempt, c *feedwire.Claim, retryAfter string, now time.Time) {
	if a.ErrorClass == "" && a.ResponseStatus >= 200 && a.ResponseStatus < 300 {
		a.Outcome = feedwire.OutcomeDelivered
		return
	}
	schedule := c.Webhook.Schedule()
	if c.Delivery.Test || a.Number > len(schedule) {
		a.Outcome = feedwire.OutcomeFailed
		return
	}
	delay := schedule[a.Number-1]
	if c.Webhook.RetrySchedule == nil {
		delay = jitter(delay, a.DeliveryID, a.Number)
	}
	if a.ResponseStatus == http.StatusTooManyRequests || a.ResponseStatus == http.StatusServiceUnavailable {
		if d, ok := parseRetryAfter(retryAfter, now); ok && d > delay {
			delay = min(d, maxRetryAfter)
		}
	}
	next := now.Add(delay)
	a.Outcome, a.NextAttemptAt = feedwire.OutcomeRetry, &next
}

// jitter spreads a delay by up to ±10%. The spread is a hash of the delivery and the
// attempt number, so it is random across deliveries and the same every time it is
// computed for one attempt.
func jitter(d time.Duration, deliveryID string, number int) time.Duration {
	h := fnv.New64a()
	h.Write([]byte(deliveryID))
	h.Write([]byte{byte(number)})
	fraction := float64(h.Sum64()%2001)/10000 - 0.1 // -0.1 to +0.1
	return d + time.Duration(float64(d)*fraction)
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if seconds, err := strconv.Atoi(v); err == nil && seconds >= 0 {
		return time.Duration(seconds) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.Sub(now), true
	}
	return 0, false
}
