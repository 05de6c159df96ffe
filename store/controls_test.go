package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
)

// filteredHook stores a harvestr MESSAGE_CREATED webhook with a filter.
func (f *fixture) filteredHook(t *testing.T, filter string) *feedwire.Webhook {
	t.Helper()
	w := &feedwire.Webhook{
		Name: "filtered", URL: "https://example.com/filtered", Format: feedwire.FormatHarvestr,
		Topics: []feedwire.EventType{feedwire.MessageCreated}, Status: feedwire.WebhookActive, Secret: testSecret,
		Timeout: feedwire.DefaultWebhookTimeout, Headers: map[string]string{}, Filter: json.RawMessage(filter),
	}
	if err := f.store.CreateWebhook(context.Background(), f.workspace, w); err != nil {
		t.Fatal(err)
	}
	return w
}

// runJob runs a job of kind for the webhook, over the last hour, to its end.
func (f *fixture) runJob(t *testing.T, webhookID string, kind feedwire.JobKind) {
	t.Helper()
	ctx := context.Background()
	until := f.clock.Now().Add(time.Second)
	job, err := f.store.StartJob(ctx, f.workspace, webhookID, kind, f.clock.Now().Add(-time.Hour), &until)
	if err != nil {
		t.Fatal(err)
	}
	for done := false; !done; {
		if done, err = f.store.RunJobBatch(ctx, job.ID, 100); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *fixture) deliveriesOf(t *testing.T, webhookID string) []feedwire.Delivery {
	t.Helper()
	page, err := f.store.Deliveries(context.Background(), f.workspace, feedwire.DeliveryFilter{
		ListParams: feedwire.ListParams{Limit: 100}, WebhookID: webhookID,
	})
	if err != nil {
		t.Fatal(err)
	}
	return page.Items
}

func (f *fixture) messageIn(t *testing.T, channel feedwire.Channel) {
	t.Helper()
	u := f.user(t, "Ada")
	_, err := f.store.CreateMessage(context.Background(), f.workspace, feedwire.MessageInput{
		Title: "Export", Content: "Please.", Channel: channel, RequesterID: u.ID, SubmitterID: u.ID,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestFilterQueuesNoDeliveryForFilteredOutEvents checks that an event the filter
// rejects commits with no delivery row for that webhook, while the others get theirs.
func TestFilterQueuesNoDeliveryForFilteredOutEvents(t *testing.T) {
	f := setup(t)
	all := f.hook(t, feedwire.WebhookActive)
	mail := f.filteredHook(t, `{"data.channel": {"$in": ["MAIL", "SLACK"]}}`)
	for _, c := range []feedwire.Channel{"MAIL", "INTERCOM", "SLACK", "ZENDESK"} {
		f.messageIn(t, c)
	}
	if got := len(f.deliveriesOf(t, all.ID)); got != 4 {
		t.Errorf("the webhook without a filter has %d deliveries, want 4", got)
	}
	got := f.deliveriesOf(t, mail.ID)
	if len(got) != 2 {
		t.Fatalf("the filtered webhook has %d deliveries, want 2 (MAIL and SLACK)", len(got))
	}
	t.Logf("4 events: %d delivered to the filtered webhook, %d filtered out", len(got), 4-len(got))

	// A replay sends again only what the filter passes.
	f.runJob(t, mail.ID, feedwire.JobReplay)
	if got := len(f.deliveriesOf(t, mail.ID)); got != 4 {
		t.Errorf("after a replay the filtered webhook has %d deliveries, want 4 (2 and their 2 replays)", got)
	}
}

// TestWebhookControlsRoundTrip checks that the filter and the template are stored and
// read back, and that a patch removes a filter with null.
func TestWebhookControlsRoundTrip(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	w := f.filteredHook(t, `{"data.channel": "MAIL"}`)
	got, err := f.store.Webhook(ctx, f.workspace, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Filter) != `{"data.channel": "MAIL"}` {
		t.Errorf("got filter %s, want it as given", got.Filter)
	}
	patched, err := f.store.UpdateWebhook(ctx, f.workspace, w.ID, feedwire.WebhookPatch{Filter: feedwire.Field[json.RawMessage]{Set: true, Null: true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if patched.Filter != nil {
		t.Errorf("got filter %s after a null patch, want none", patched.Filter)
	}

	tmpl := &feedwire.Webhook{
		Name: "t", URL: "https://example.com/t", Format: feedwire.FormatTemplate,
		Topics: []feedwire.EventType{"post.created", feedwire.MessageCreated}, Status: feedwire.WebhookActive, Secret: testSecret,
		Timeout: feedwire.DefaultWebhookTimeout, Headers: map[string]string{},
		Template: &feedwire.WebhookTemplate{Body: `{{.Type}}`, ContentType: "text/plain; charset=utf-8"},
	}
	if err := f.store.CreateWebhook(ctx, f.workspace, tmpl); err != nil {
		t.Fatal(err)
	}
	got, err = f.store.Webhook(ctx, f.workspace, tmpl.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Template == nil || *got.Template != *tmpl.Template {
		t.Errorf("got template %+v, want %+v", got.Template, tmpl.Template)
	}
}
