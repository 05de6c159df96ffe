package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
)

// TestFIFOAfterUnordered: a webhook that becomes FIFO first sends what was pending
// before, and what a retry or a recover makes pending again of what failed before, in
// the order it was queued; then what was queued since.
func TestFIFOAfterUnordered(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	hook := f.hook(t, feedwire.WebhookActive)
	retried, recovered := f.message(t), f.message(t)
	for _, c := range f.claim(t) {
		f.record(t, c, 503, feedwire.OutcomeFailed)
	}
	pending1, pending2 := f.message(t), f.message(t)

	fifo := feedwire.OrderingFIFO
	if _, err := f.store.UpdateWebhook(ctx, f.workspace, hook.ID, feedwire.WebhookPatch{Ordering: feedwire.Set(fifo)}, nil); err != nil {
		t.Fatal(err)
	}
	queuedSince := f.message(t)
	if _, err := f.store.RetryDelivery(ctx, f.workspace, f.deliveryOf(t, hook.ID, retried.ID).ID); err != nil {
		t.Fatal(err)
	}
	f.runJob(t, hook.ID, feedwire.JobRecover)

	want := []*feedwire.Message{retried, recovered, pending1, pending2, queuedSince}
	for i, m := range want {
		claims := f.claim(t)
		if len(claims) != 1 {
			t.Fatalf("claim %d took %d deliveries, want the FIFO webhook's head alone", i+1, len(claims))
		}
		if got := claims[0].Event.ResourceID; got != m.ID {
			t.Fatalf("claim %d sent the delivery of message %s, want %s's (%d of %d in order)", i+1, got, m.ID, i+1, len(want))
		}
		f.delivered(t, claims[0])
	}
	if claims := f.claim(t); len(claims) != 0 {
		t.Fatalf("a claim after the last took %d deliveries", len(claims))
	}
}

// deliveryOf returns the webhook's delivery of the message's event.
func (f *fixture) deliveryOf(t *testing.T, webhookID, messageID string) feedwire.Delivery {
	t.Helper()
	for _, d := range f.deliveriesOf(t, webhookID) {
		ev, err := f.store.Event(context.Background(), f.workspace, d.EventID)
		if err != nil {
			t.Fatal(err)
		}
		if ev.ResourceID == messageID {
			return d
		}
	}
	t.Fatalf("webhook %s has no delivery of message %s", webhookID, messageID)
	return feedwire.Delivery{}
}

// delivered records a claimed delivery's first attempt as a success.
func (f *fixture) delivered(t *testing.T, c *feedwire.Claim) {
	t.Helper()
	a := feedwire.Attempt{DeliveryID: c.Delivery.ID, WebhookID: c.Webhook.ID, Number: c.Delivery.Attempts + 1,
		StartedAt: f.clock.Now(), RequestURL: c.Webhook.URL, ResponseStatus: 200, Outcome: feedwire.OutcomeDelivered}
	if err := f.store.RecordAttempts(context.Background(), []feedwire.AttemptResult{{Claim: c, Attempt: a}}, time.Hour); err != nil {
		t.Fatal(err)
	}
}

// TestFIFOUnnumberedDelivery: a FIFO webhook's pending delivery without a number (one
// queued by a write that read the webhook before it became FIFO, and committed after
// the change numbered the others) is still sent, after those numbered.
func TestFIFOUnnumberedDelivery(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	hook := f.hook(t, feedwire.WebhookActive)
	fifo := feedwire.OrderingFIFO
	if _, err := f.store.UpdateWebhook(ctx, f.workspace, hook.ID, feedwire.WebhookPatch{Ordering: feedwire.Set(fifo)}, nil); err != nil {
		t.Fatal(err)
	}
	numbered, unnumbered := f.message(t), f.message(t)
	// A harvestr delivery is stored under its envelope id.
	f.rawExec(t, `UPDATE deliveries SET fifo_seq = NULL WHERE id = '`+f.deliveryOf(t, hook.ID, unnumbered.ID).ID+`'`)

	for i, m := range []*feedwire.Message{numbered, unnumbered} {
		claims := f.claim(t)
		if len(claims) != 1 || claims[0].Event.ResourceID != m.ID {
			t.Fatalf("claim %d took %d deliveries, want message %s's alone", i+1, len(claims), m.ID)
		}
		f.delivered(t, claims[0])
	}
}

// rawExec runs a statement on the fixture's database through a connection of the
// driver alone, to set up what feedwire itself would not write.
func (f *fixture) rawExec(t *testing.T, statement string) {
	t.Helper()
	driver, source := "pgx", f.dsn
	if path, ok := strings.CutPrefix(f.dsn, "sqlite:"); ok {
		driver, source = "sqlite", "file:"+path
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(statement); err != nil {
		t.Fatal(err)
	}
}
