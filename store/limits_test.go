package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

// TestEventSizeLimit checks that a write whose event would be larger than
// feedwire.MaxEventSize is refused with ErrTooLarge and leaves nothing behind: not the
// change, not the event, not a delivery.
func TestEventSizeLimit(t *testing.T) {
	ctx := context.Background()
	f := setupPost(t)
	w := &feedwire.Webhook{
		Name: "posts", URL: "https://example.com/hook", Format: feedwire.FormatFeaturebase, Status: feedwire.WebhookActive,
		Topics: []feedwire.EventType{"post.created", "post.updated"}, Secret: testSecret,
		Timeout: feedwire.DefaultWebhookTimeout, Headers: map[string]string{},
	}
	if err := f.store.CreateWebhook(ctx, f.workspace, w); err != nil {
		t.Fatal(err)
	}
	// 100,000 characters of 4 bytes: 400 KB in the event's item, and 1.2 MB in an update
	// that replaces them, since changes carry the old and the new value.
	big := strings.Repeat("😀", 100_000)
	post, err := f.store.CreatePost(ctx, f.workspace, feedwire.PostInput{Title: "Big", Content: big, BoardID: f.board.ID, AuthorID: f.author.ID})
	if err != nil {
		t.Fatalf("a 400 KB post.created, under the limit: %v", err)
	}
	eventsBefore, deliveriesBefore := len(f.events(t)), f.deliveryCount(t)

	_, err = f.store.UpdatePost(ctx, f.workspace, post.ID, feedwire.PostPatch{Content: feedwire.Field[string]{Set: true, Value: strings.Repeat("😃", 100_000)}})
	if !errors.Is(err, feedwire.ErrTooLarge) || !strings.Contains(err.Error(), "post.updated") {
		t.Fatalf("got %v, want an ErrTooLarge naming post.updated", err)
	}
	got, err := f.store.Post(ctx, f.workspace, post.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Content != big || !got.UpdatedAt.Equal(post.UpdatedAt) {
		t.Error("the refused update changed the post")
	}
	if n := len(f.events(t)); n != eventsBefore {
		t.Errorf("got %d events, want %d: the refused update stored one", n, eventsBefore)
	}
	if n := f.deliveryCount(t); n != deliveriesBefore {
		t.Errorf("got %d deliveries, want %d: the refused update queued one", n, deliveriesBefore)
	}

	// Just under the limit passes: the check measures the body as delivered.
	ascii := strings.Repeat("a", 100_000)
	if _, err := f.store.UpdatePost(ctx, f.workspace, f.post.ID, feedwire.PostPatch{Content: feedwire.Field[string]{Set: true, Value: ascii}}); err != nil {
		t.Fatalf("a 100,000-character content: %v", err)
	}
	if _, err := f.store.UpdatePost(ctx, f.workspace, f.post.ID, feedwire.PostPatch{Content: feedwire.Field[string]{Set: true, Value: strings.Repeat("b", 100_000)}}); err != nil {
		t.Fatalf("replacing a 100,000-character content by another: %v", err)
	}
	ev := f.events(t)[0]
	body, err := wire.Body("notif_"+ev.ID, "66a1b2c3d4e5f60718293a4b", &ev)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("a post.updated replacing 100,000 characters is %d bytes; the maximum is %d", len(body), feedwire.MaxEventSize)
	if len(body) > feedwire.MaxEventSize {
		t.Errorf("the accepted event is %d bytes, over the maximum of %d", len(body), feedwire.MaxEventSize)
	}
}

func (f *fixture) deliveryCount(t *testing.T) int {
	t.Helper()
	page, err := f.store.Deliveries(context.Background(), f.workspace, feedwire.DeliveryFilter{ListParams: feedwire.ListParams{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Items)
}

// TestCustomFieldsSize checks the bound on customFields: the defect was a 400 KB
// customFields whose post.updated carried it twice.
func TestCustomFieldsSize(t *testing.T) {
	ctx := context.Background()
	f := setupPost(t)
	fields := map[string]any{"notes": strings.Repeat("x", 17_000)}
	_, err := f.store.UpdatePost(ctx, f.workspace, f.post.ID, feedwire.PostPatch{CustomFields: feedwire.Field[map[string]any]{Set: true, Value: fields}})
	wantInvalid(t, err, "customFields")
	_, err = f.store.CreatePost(ctx, f.workspace, feedwire.PostInput{Title: "x", Content: "y", BoardID: f.board.ID, AuthorID: f.author.ID, CustomFields: fields})
	wantInvalid(t, err, "customFields")
	fields["notes"] = strings.Repeat("x", 16_000)
	if _, err := f.store.UpdatePost(ctx, f.workspace, f.post.ID, feedwire.PostPatch{CustomFields: feedwire.Field[map[string]any]{Set: true, Value: fields}}); err != nil {
		t.Errorf("16,000 bytes of custom fields: %v", err)
	}
}

// wantInvalid fails unless err is an ErrInvalid whose only problem is field's.
func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	var fe *feedwire.Error
	if !errors.As(err, &fe) || !errors.Is(err, feedwire.ErrInvalid) || len(fe.Problems) != 1 || fe.Problems[0].Field != field {
		t.Errorf("got %v, want an ErrInvalid on %s alone", err, field)
	}
}

// TestEmptyReferenceIDs checks every optional reference a create or a patch takes: ""
// names nothing and is a problem of its field, where it used to reach the INSERT and
// fail its foreign key as an internal error.
func TestEmptyReferenceIDs(t *testing.T) {
	ctx := context.Background()
	f := setupPost(t)
	s, ws := f.store, f.workspace
	empty := new(string)
	set := feedwire.Field[string]{Set: true}
	m := f.message(t)
	d, err := s.CreateDiscovery(ctx, ws, feedwire.DiscoveryInput{Title: "d"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.CreateComponent(ctx, ws, feedwire.ComponentInput{Title: "c"})
	if err != nil {
		t.Fatal(err)
	}
	fb, err := s.CreateFeedback(ctx, ws, feedwire.FeedbackInput{MessageID: m.ID, DiscoveryID: d.ID, Score: 1})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		field string
		write func() error
	}{
		{"discoveryStateId", func() error {
			_, err := s.CreateDiscovery(ctx, ws, feedwire.DiscoveryInput{Title: "x", DiscoveryStateID: empty})
			return err
		}},
		{"parentId", func() error {
			_, err := s.CreateDiscovery(ctx, ws, feedwire.DiscoveryInput{Title: "x", ParentID: empty})
			return err
		}},
		{"discoveryStateId", func() error {
			_, err := s.UpdateDiscovery(ctx, ws, d.ID, feedwire.DiscoveryPatch{DiscoveryStateID: set})
			return err
		}},
		{"parentId", func() error {
			_, err := s.UpdateDiscovery(ctx, ws, d.ID, feedwire.DiscoveryPatch{ParentID: set})
			return err
		}},
		{"parentId", func() error {
			_, err := s.CreateComponent(ctx, ws, feedwire.ComponentInput{Title: "x", ParentID: empty})
			return err
		}},
		{"parentId", func() error {
			_, err := s.UpdateComponent(ctx, ws, c.ID, feedwire.ComponentPatch{ParentID: set})
			return err
		}},
		{"requesterId", func() error {
			_, err := s.CreateFeedback(ctx, ws, feedwire.FeedbackInput{MessageID: m.ID, DiscoveryID: d.ID, Score: 1, RequesterID: empty})
			return err
		}},
		{"submitterId", func() error {
			_, err := s.UpdateFeedback(ctx, ws, fb.ID, feedwire.FeedbackPatch{SubmitterID: set})
			return err
		}},
		{"assigneeId", func() error {
			_, err := s.UpdateMessage(ctx, ws, m.ID, feedwire.MessagePatch{AssigneeID: set})
			return err
		}},
		{"statusId", func() error {
			_, err := s.CreatePost(ctx, ws, feedwire.PostInput{Title: "x", Content: "y", BoardID: f.board.ID, AuthorID: f.author.ID, StatusID: empty})
			return err
		}},
		{"statusId", func() error {
			_, err := s.UpdatePost(ctx, ws, f.post.ID, feedwire.PostPatch{StatusID: set})
			return err
		}},
		{"assigneeId", func() error {
			_, err := s.UpdatePost(ctx, ws, f.post.ID, feedwire.PostPatch{AssigneeID: set})
			return err
		}},
		{"parentCommentId", func() error {
			_, err := s.CreateComment(ctx, ws, feedwire.CommentInput{PostID: f.post.ID, Content: "x", AuthorID: f.author.ID, ParentCommentID: empty})
			return err
		}},
	}
	events := len(f.events(t))
	for _, tt := range tests {
		wantInvalid(t, tt.write(), tt.field)
	}
	if n := len(f.events(t)); n != events {
		t.Errorf("got %d events, want %d: a refused write emitted one", n, events)
	}
	t.Logf("%d writes with an empty reference id, each refused on its field", len(tests))
}

// TestEventTypeFilterBound checks that the store refuses more event types than a query
// may hold parameters for, as a problem of the filter rather than an SQL error.
func TestEventTypeFilterBound(t *testing.T) {
	f := setup(t)
	for _, n := range []int{feedwire.MaxFilterValues + 1, 40_000} {
		types := make([]feedwire.EventType, n)
		for i := range types {
			types[i] = "post.created"
		}
		_, err := f.store.Events(context.Background(), f.workspace, feedwire.EventFilter{ListParams: feedwire.ListParams{Limit: 10}, Types: types})
		wantInvalid(t, err, "query.type")
	}
}
