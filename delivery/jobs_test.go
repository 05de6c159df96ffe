package delivery_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
)

// waitJob waits for a job to finish and returns it.
func (f *fixture) waitJob(t *testing.T, id string) *feedwire.Job {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		j, err := f.jobs.Job(context.Background(), f.workspace, id)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status == feedwire.JobSucceeded || j.Status == feedwire.JobFailed {
			return j
		}
		select {
		case <-deadline:
			t.Fatalf("job %s is still %s after 10s", id, j.Status)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// TestPauseAndReplay pauses a webhook: events meanwhile queue nothing; a replay of the
// range brings them, and events from before the webhook existed, once it is active.
func TestPauseAndReplay(t *testing.T) {
	f := setup(t, options{allowPrivate: true})
	ctx := context.Background()
	before := f.message(t) // before the webhook exists
	f.clock.Advance(time.Minute)
	r := newReceiver(t, f.clock, nil)
	w := f.webhook(t, feedwire.FormatHarvestr, r.URL)
	if _, err := f.webhooks.UpdateWebhook(ctx, f.workspace, w.ID, feedwire.WebhookPatch{Status: feedwire.Set(feedwire.WebhookPaused)}); err != nil {
		t.Fatal(err)
	}
	during := f.message(t)
	if page, _ := f.store.Deliveries(ctx, f.workspace, feedwire.DeliveryFilter{ListParams: feedwire.ListParams{Limit: 10}}); len(page.Items) != 0 {
		t.Fatalf("a paused webhook got %d deliveries", len(page.Items))
	}

	// Replayed while paused: queued but held.
	job, err := f.jobs.StartJob(ctx, f.workspace, w.ID, feedwire.JobReplay, before.CreatedAt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if job.Total != 2 {
		t.Errorf("replay counts %d events, want 2", job.Total)
	}
	if done := f.waitJob(t, job.ID); done.Status != feedwire.JobSucceeded || done.Processed != 2 {
		t.Fatalf("job %+v, want succeeded with 2 processed", done)
	}
	if _, err := f.webhooks.UpdateWebhook(ctx, f.workspace, w.ID, feedwire.WebhookPatch{Status: feedwire.Set(feedwire.WebhookActive)}); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for range 2 {
		body := string(r.next(t).body)
		for _, m := range []*feedwire.Message{before, during} {
			if strings.Contains(body, m.ID) {
				got[m.ID] = true
			}
		}
	}
	if !got[before.ID] || !got[during.ID] {
		t.Errorf("replay delivered %v, want both messages", got)
	}
}

// TestRecover makes failed deliveries of a range due again.
func TestRecover(t *testing.T) {
	f := setup(t, options{allowPrivate: true})
	ctx := context.Background()
	failing := true
	r := newReceiver(t, f.clock, func(_ int, w http.ResponseWriter) {
		if failing {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	w := f.webhook(t, feedwire.FormatHarvestr, r.URL, time.Second)
	start := f.clock.Now()
	f.message(t)
	r.next(t)
	f.attempt(t)
	f.advance(time.Second)
	id := decodeID(t, r.next(t).body)
	f.attempt(t)
	if d := f.delivery(t, id); d.Status != feedwire.DeliveryFailed {
		t.Fatalf("delivery %s, want failed", d.Status)
	}

	failing = false
	job, err := f.jobs.StartJob(ctx, f.workspace, w.ID, feedwire.JobRecover, start, nil)
	if err != nil || job.Total != 1 {
		t.Fatalf("recover: %+v, %v; want 1 event to recover", job, err)
	}
	f.waitJob(t, job.ID)
	if again := r.next(t); decodeID(t, again.body) != id {
		t.Errorf("recovered %s, want %s", decodeID(t, again.body), id)
	}
	if a := f.attempt(t).Attempt; a.Number != 3 || a.Outcome != feedwire.OutcomeDelivered {
		t.Errorf("attempt %d %s, want the third, delivered", a.Number, a.Outcome)
	}
}

// TestRecoverBringsWhatAPauseMissed recovers a range with an event from before the
// webhook existed, one delivered, one missed while paused and one whose delivery
// failed: only the last two are sent.
func TestRecoverBringsWhatAPauseMissed(t *testing.T) {
	f := setup(t, options{allowPrivate: true})
	ctx := context.Background()
	start := f.clock.Now()
	f.message(t) // before the webhook: a recover leaves it to replay
	f.clock.Advance(time.Second)
	failing := false
	r := newReceiver(t, f.clock, func(_ int, w http.ResponseWriter) {
		if failing {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	w := f.webhook(t, feedwire.FormatHarvestr, r.URL, time.Second)
	f.message(t) // delivered
	r.next(t)
	f.attempt(t)
	setStatus := func(s feedwire.WebhookStatus) {
		t.Helper()
		if _, err := f.webhooks.UpdateWebhook(ctx, f.workspace, w.ID, feedwire.WebhookPatch{Status: feedwire.Set(s)}); err != nil {
			t.Fatal(err)
		}
	}
	setStatus(feedwire.WebhookPaused)
	missed := f.message(t)
	setStatus(feedwire.WebhookActive)
	failing = true
	failed := f.message(t)
	r.next(t)
	f.attempt(t)
	f.advance(time.Second)
	r.next(t)
	f.attempt(t)

	failing = false
	job, err := f.jobs.StartJob(ctx, f.workspace, w.ID, feedwire.JobRecover, start, nil)
	if err != nil || job.Total != 2 {
		t.Fatalf("recover: %+v, %v; want 2 events to recover", job, err)
	}
	if done := f.waitJob(t, job.ID); done.Status != feedwire.JobSucceeded || done.Processed != 2 {
		t.Fatalf("job %+v, want succeeded with 2 processed", done)
	}
	got := map[string]bool{}
	for range 2 {
		body := string(r.next(t).body)
		got[missed.ID] = got[missed.ID] || strings.Contains(body, missed.ID)
		got[failed.ID] = got[failed.ID] || strings.Contains(body, failed.ID)
	}
	if !got[missed.ID] || !got[failed.ID] {
		t.Errorf("recover delivered %v, want the missed and the failed message", got)
	}
	for range 2 {
		if a := f.attempt(t).Attempt; a.Outcome != feedwire.OutcomeDelivered {
			t.Errorf("recovered attempt %d: %s, want delivered", a.Number, a.Outcome)
		}
	}
	select {
	case extra := <-r.got:
		t.Errorf("recover sent more than it should: %s", extra.body)
	default:
	}
	// A second recover finds nothing left.
	if again, err := f.jobs.StartJob(ctx, f.workspace, w.ID, feedwire.JobRecover, start, nil); err != nil || again.Total != 0 {
		t.Errorf("second recover: %+v, %v; want nothing to recover", again, err)
	}
}

func TestJobValidation(t *testing.T) {
	f := setup(t, options{allowPrivate: true})
	r := newReceiver(t, f.clock, nil)
	w := f.webhook(t, feedwire.FormatHarvestr, r.URL)
	now := f.clock.Now()
	if _, err := f.jobs.StartJob(context.Background(), f.workspace, w.ID, feedwire.JobReplay, now.Add(time.Hour), &now); err == nil {
		t.Error("a job whose range ends before it starts was queued")
	}
	if _, err := f.jobs.StartJob(context.Background(), f.workspace, "nope", feedwire.JobReplay, now.Add(-time.Hour), nil); err == nil {
		t.Error("a job for a webhook that does not exist was queued")
	}
}
