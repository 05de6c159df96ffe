package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
	"github.com/feedwire/feedwire/wire"
)

// operationalData returns the data of the workspace's events of type t, newest first.
func operationalData[T any](t *testing.T, f *fixture, et feedwire.EventType) []T {
	t.Helper()
	var out []T
	for _, ev := range f.events(t, et) {
		var data T
		if err := json.Unmarshal(ev.Data, &data); err != nil {
			t.Fatalf("%s: %v", et, err)
		}
		out = append(out, data)
	}
	return out
}

// operationalHook stores an active operational webhook of every operational type.
func (f *fixture) operationalHook(t *testing.T) *feedwire.Webhook {
	t.Helper()
	w := &feedwire.Webhook{
		Name: "ops", URL: "https://example.com/ops", Format: feedwire.FormatOperational,
		Topics: feedwire.OperationalEventTypes, Status: feedwire.WebhookActive, Secret: testSecret,
		Timeout: feedwire.DefaultWebhookTimeout, Headers: map[string]string{},
	}
	if err := f.store.CreateWebhook(context.Background(), f.workspace, w); err != nil {
		t.Fatal(err)
	}
	return w
}

// record records the first attempt of a claimed delivery: an answer of status that
// is not a success, with outcome.
func (f *fixture) record(t *testing.T, c *feedwire.Claim, status int, outcome feedwire.Outcome) {
	t.Helper()
	a := feedwire.Attempt{DeliveryID: c.Delivery.ID, WebhookID: c.Webhook.ID, Number: 1, StartedAt: f.clock.Now(),
		RequestURL: c.Webhook.URL, ResponseStatus: status, ErrorClass: feedwire.ErrorStatus,
		ErrorMessage: fmt.Sprintf("%d %s", status, http.StatusText(status)), Outcome: outcome}
	if err := f.store.RecordAttempts(context.Background(), []feedwire.AttemptResult{{Claim: c, Attempt: a}}, time.Hour); err != nil {
		t.Fatal(err)
	}
}

// TestOperationalEvents checks that each change feedwire makes on its own records its
// event, and queues its delivery to the operational webhook, in the change's
// transaction: a delivery that fails for good, a webhook the sweeper suspends, one made
// active again, a job that fails. A delivery of an operational event that fails for
// good records nothing, and a job failed twice reports once.
func TestOperationalEvents(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	ops := f.operationalHook(t)
	hook := f.hook(t, feedwire.WebhookActive)
	fail := func(c *feedwire.Claim) { f.record(t, c, 503, feedwire.OutcomeFailed) }

	f.message(t)
	claims := f.claim(t)
	if len(claims) != 1 {
		t.Fatalf("claimed %d, want the message's delivery", len(claims))
	}
	fail(claims[0])
	failed := operationalData[webhook.DeliveryFailed](t, f, feedwire.EventDeliveryFailed)
	if len(failed) != 1 || failed[0].DeliveryID != claims[0].Delivery.ID || failed[0].WebhookID != hook.ID ||
		failed[0].EventType != "MESSAGE_CREATED" || failed[0].LastStatus.Code != 503 || failed[0].ErrorClass != "status" {
		t.Fatalf("delivery.failed: %+v", failed)
	}
	failedAt := f.clock.Now()
	f.clock.Advance(30 * time.Minute)
	claims = f.claim(t)
	if len(claims) != 1 || claims[0].Webhook.ID != ops.ID || claims[0].Event.Type != feedwire.EventDeliveryFailed {
		t.Fatalf("claimed %d, want the delivery.failed to the operational webhook", len(claims))
	}
	fail(claims[0])
	if n := len(f.events(t, feedwire.EventDeliveryFailed)); n != 1 {
		t.Errorf("%d delivery.failed events after the operational delivery failed, want still 1", n)
	}

	// The sweeper suspends the webhook failing since failedAt; ops, failing for less
	// time, stays active and receives the suspension.
	if n, err := f.store.SuspendFailing(ctx, failedAt.Add(10*time.Minute)); err != nil || n != 1 {
		t.Fatalf("suspended %d (%v), want 1", n, err)
	}
	suspended := operationalData[webhook.WebhookSuspended](t, f, feedwire.EventWebhookSuspended)
	if len(suspended) != 1 || suspended[0].WebhookID != hook.ID || suspended[0].FailingSince == nil ||
		!suspended[0].FailingSince.Equal(failedAt) || suspended[0].LastStatus.Code != 503 {
		t.Fatalf("webhook.suspended: %+v", suspended)
	}
	want := func(et feedwire.EventType) {
		t.Helper()
		claims := f.claim(t)
		if len(claims) != 1 || claims[0].Webhook.ID != ops.ID || claims[0].Event.Type != et || claims[0].Event.ResourceID != hook.ID {
			t.Fatalf("claimed %d deliveries, want the %s of %s to ops", len(claims), et, hook.ID)
		}
	}
	want(feedwire.EventWebhookSuspended)

	active := feedwire.Set(feedwire.WebhookActive)
	if _, err := f.store.UpdateWebhook(ctx, f.workspace, hook.ID, feedwire.WebhookPatch{Status: active}, nil); err != nil {
		t.Fatal(err)
	}
	recovered := operationalData[webhook.WebhookRecovered](t, f, feedwire.EventWebhookRecovered)
	if len(recovered) != 1 || recovered[0].WebhookID != hook.ID || recovered[0].SuspendedReason != suspended[0].Reason {
		t.Fatalf("webhook.recovered: %+v", recovered)
	}
	want(feedwire.EventWebhookRecovered)

	until := f.clock.Now()
	job, err := f.store.StartJob(ctx, f.workspace, hook.ID, feedwire.JobReplay, until.Add(-2*time.Hour), &until)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := f.store.FailJob(ctx, job.ID, errors.New("the database went away")); err != nil {
			t.Fatal(err)
		}
	}
	finished := operationalData[webhook.JobFinished](t, f, feedwire.EventJobFinished)
	if len(finished) != 1 || finished[0].JobID != job.ID || finished[0].Status != "failed" ||
		finished[0].Error == nil || *finished[0].Error != "the database went away" {
		t.Errorf("job.finished: %+v, want one, failed", finished)
	}
}

// TestOperationalWebhookSuspended: an operational webhook suspended by a 410 is not
// sent its own suspension; paused and then made active, it is told it recovered, with
// the one delivery it held released. A test delivery that gets a 410 suspends nothing.
func TestOperationalWebhookSuspended(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	ops := f.operationalHook(t)

	ev, err := wire.ExampleEvent(feedwire.EventJobFinished)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.QueueTestDelivery(ctx, f.workspace, ops.ID, ev); err != nil {
		t.Fatal(err)
	}
	claims := f.claim(t)
	if len(claims) != 1 || !claims[0].Delivery.Test {
		t.Fatalf("claimed %d, want the test delivery", len(claims))
	}
	f.record(t, claims[0], 410, feedwire.OutcomeFailed)
	if w, _ := f.store.Webhook(ctx, f.workspace, ops.ID); w.Status != feedwire.WebhookActive {
		t.Fatalf("a test delivery's 410 made the webhook %s", w.Status)
	}

	hook := f.hook(t, feedwire.WebhookActive)
	f.message(t)
	claims = f.claim(t)
	if len(claims) != 1 || claims[0].Webhook.ID != hook.ID {
		t.Fatalf("claimed %d, want the message's delivery", len(claims))
	}
	f.record(t, claims[0], 503, feedwire.OutcomeFailed) // a delivery.failed for ops
	claims = f.claim(t)
	if len(claims) != 1 || claims[0].Webhook.ID != ops.ID {
		t.Fatalf("claimed %d, want the delivery.failed to ops", len(claims))
	}
	f.record(t, claims[0], 410, feedwire.OutcomeRetry)
	if n := len(f.events(t, feedwire.EventWebhookSuspended)); n != 1 {
		t.Fatalf("%d webhook.suspended events, want 1", n)
	}
	pending := 0
	for _, d := range f.deliveriesOf(t, ops.ID) {
		if d.Status == feedwire.DeliveryPending {
			pending++
			if d.NextAttemptAt != nil {
				t.Errorf("the suspended webhook has a %s delivery due at %s", d.EventType, d.NextAttemptAt)
			}
		}
	}
	if pending != 1 {
		t.Errorf("the suspended webhook has %d pending deliveries, want the one held (none of its own suspension)", pending)
	}

	for _, status := range []feedwire.WebhookStatus{feedwire.WebhookPaused, feedwire.WebhookActive} {
		if _, err := f.store.UpdateWebhook(ctx, f.workspace, ops.ID, feedwire.WebhookPatch{Status: feedwire.Set(status)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	recovered := operationalData[webhook.WebhookRecovered](t, f, feedwire.EventWebhookRecovered)
	if len(recovered) != 1 || recovered[0].WebhookID != ops.ID || recovered[0].Released != 1 ||
		recovered[0].SuspendedReason != "the endpoint answered 410 Gone" {
		t.Errorf("webhook.recovered after a pause: %+v, want one, with the held delivery released", recovered)
	}
}

// TestSuspensionSaysWhatSuspended: in a batch where a 410 suspends a webhook and a later
// attempt of it answers 503, webhook.suspended shows the 410.
func TestSuspensionSaysWhatSuspended(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.hook(t, feedwire.WebhookActive)
	f.message(t)
	f.message(t)
	claims := f.claim(t)
	if len(claims) != 2 {
		t.Fatalf("claimed %d, want 2", len(claims))
	}
	var batch []feedwire.AttemptResult
	for i, status := range []int{410, 503} {
		c := claims[i]
		batch = append(batch, feedwire.AttemptResult{Claim: c, Attempt: feedwire.Attempt{DeliveryID: c.Delivery.ID,
			WebhookID: c.Webhook.ID, Number: 1, StartedAt: f.clock.Now().Add(time.Duration(i) * time.Millisecond),
			RequestURL: c.Webhook.URL, ResponseStatus: status, ErrorClass: feedwire.ErrorStatus, Outcome: feedwire.OutcomeRetry}})
	}
	if err := f.store.RecordAttempts(ctx, batch, time.Hour); err != nil {
		t.Fatal(err)
	}
	suspended := operationalData[webhook.WebhookSuspended](t, f, feedwire.EventWebhookSuspended)
	if len(suspended) != 1 || suspended[0].LastStatus.Code != 410 {
		t.Errorf("webhook.suspended: %+v, want one showing the 410", suspended)
	}
}
