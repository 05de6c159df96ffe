package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
)

// TestDeliveriesByTypeAndTime filters deliveries by event type and by a time range.
func TestDeliveriesByTypeAndTime(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	hook := f.hook(t, feedwire.WebhookActive)
	if _, err := f.store.UpdateWebhook(ctx, f.workspace, hook.ID, feedwire.WebhookPatch{
		Topics: feedwire.Set([]feedwire.EventType{feedwire.MessageCreated, feedwire.MessageUpdated})}, nil); err != nil {
		t.Fatal(err)
	}
	m := f.message(t) // MESSAGE_CREATED at the start
	f.clock.Advance(time.Hour)
	middle := f.clock.Now()
	if _, err := f.store.UpdateMessage(ctx, f.workspace, m.ID, feedwire.MessagePatch{Read: feedwire.Set(true)}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	f.message(t)

	count := func(filter feedwire.DeliveryFilter) int {
		t.Helper()
		filter.Limit = 100
		page, err := f.store.Deliveries(ctx, f.workspace, filter)
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Items)
	}
	for _, c := range []struct {
		name   string
		filter feedwire.DeliveryFilter
		want   int
	}{
		{"all", feedwire.DeliveryFilter{}, 3},
		{"created", feedwire.DeliveryFilter{EventType: feedwire.MessageCreated}, 2},
		{"updated", feedwire.DeliveryFilter{EventType: feedwire.MessageUpdated}, 1},
		{"until the middle", feedwire.DeliveryFilter{Until: middle}, 1},
		{"the middle hour", feedwire.DeliveryFilter{Since: middle, Until: middle.Add(time.Hour)}, 1},
		{"created since the middle", feedwire.DeliveryFilter{EventType: feedwire.MessageCreated, Since: middle}, 1},
	} {
		if got := count(c.filter); got != c.want {
			t.Errorf("%s: got %d deliveries, want %d", c.name, got, c.want)
		}
	}
}

// TestEventsByResource keeps the events of one resource.
func TestEventsByResource(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	m := f.message(t)
	f.message(t)
	if _, err := f.store.UpdateMessage(ctx, f.workspace, m.ID, feedwire.MessagePatch{Read: feedwire.Set(true)}); err != nil {
		t.Fatal(err)
	}
	page, err := f.store.Events(ctx, f.workspace, feedwire.EventFilter{ListParams: feedwire.ListParams{Limit: 100}, ResourceID: m.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 2 || page.Items[0].Type != feedwire.MessageUpdated || page.Items[1].Type != feedwire.MessageCreated {
		t.Errorf("got %d events of the message, want its MESSAGE_UPDATED and MESSAGE_CREATED", len(page.Items))
	}
	for _, ev := range page.Items {
		if ev.ResourceID != m.ID {
			t.Errorf("event %s is of resource %s, want %s", ev.ID, ev.ResourceID, m.ID)
		}
	}
}

// TestPostBySlug finds a post by the end of its URL, in its workspace only.
func TestPostBySlug(t *testing.T) {
	f := setupPost(t)
	ctx := context.Background()
	p, err := f.store.PostBySlug(ctx, f.workspace, f.post.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != f.post.ID || p.URL != f.post.URL || p.Author == nil || p.Status == nil {
		t.Errorf("got post %s (url %q), want %s with its author and status", p.ID, p.URL, f.post.ID)
	}
	ws, _, err := f.store.CreateAPIKey(ctx, "another workspace")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ workspace, slug string }{{f.workspace, "no-such-post"}, {ws.ID, f.post.Slug}} {
		if _, err := f.store.PostBySlug(ctx, c.workspace, c.slug); !errors.Is(err, feedwire.ErrNotFound) {
			t.Errorf("slug %q in workspace %s: got %v, want ErrNotFound", c.slug, c.workspace, err)
		}
	}
}
