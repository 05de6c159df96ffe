package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
)

// TestAttemptSummaries records attempts to two webhooks and reads back those of one,
// newest first, within the time asked for; another workspace cannot read them.
func TestAttemptSummaries(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	hook, other := f.hook(t, feedwire.WebhookActive), f.hook(t, feedwire.WebhookActive)
	start := f.clock.Now()
	record := func(outcome feedwire.Outcome, took time.Duration) {
		t.Helper()
		f.message(t)
		for _, c := range f.claim(t) {
			a := feedwire.Attempt{DeliveryID: c.Delivery.ID, WebhookID: c.Webhook.ID, Number: 1, StartedAt: f.clock.Now(),
				Duration: took, RequestURL: c.Webhook.URL, ResponseStatus: 200, Outcome: outcome}
			if err := f.store.RecordAttempts(ctx, []feedwire.AttemptResult{{Claim: c, Attempt: a}}, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		f.clock.Advance(time.Minute)
	}
	record(feedwire.OutcomeDelivered, 10*time.Millisecond) // before the range asked for
	record(feedwire.OutcomeDelivered, 20*time.Millisecond)
	record(feedwire.OutcomeFailed, 30*time.Millisecond)

	got, err := f.store.AttemptSummaries(ctx, f.workspace, hook.ID, start.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	want := []feedwire.AttemptSummary{
		{StartedAt: start.Add(2 * time.Minute), Duration: 30 * time.Millisecond, Outcome: feedwire.OutcomeFailed},
		{StartedAt: start.Add(time.Minute), Duration: 20 * time.Millisecond, Outcome: feedwire.OutcomeDelivered},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d summaries, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if !got[i].StartedAt.Equal(want[i].StartedAt) || got[i].Duration != want[i].Duration || got[i].Outcome != want[i].Outcome {
			t.Errorf("summary %d is %+v, want %+v", i, got[i], want[i])
		}
	}
	if all, _ := f.store.AttemptSummaries(ctx, f.workspace, other.ID, start); len(all) != 3 {
		t.Errorf("the other webhook has %d summaries, want its own 3", len(all))
	}

	ws, _, err := f.store.CreateAPIKey(ctx, "another workspace")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.AttemptSummaries(ctx, ws.ID, hook.ID, start); !errors.Is(err, feedwire.ErrNotFound) {
		t.Errorf("another workspace reading the summaries got %v, want ErrNotFound", err)
	}
}
