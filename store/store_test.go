package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/internal/testpg"
	"github.com/feedwire/feedwire/store"
)

// clock is a test clock that moves only when told to.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is a migrated store in a database of its own, on the engine under test, with a
// workspace to work in.
type fixture struct {
	store     *store.Store
	clock     *clock
	workspace string
	dsn, key  string // the database, and its secret key, for another node's store
}

func setup(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	c := &clock{now: time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)}
	dsn, key := testpg.NewDatabase(t)
	s, err := store.Open(ctx, dsn, store.Options{Now: c.Now, SecretKey: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ws, _, err := s.CreateAPIKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{store: s, clock: c, workspace: ws.ID, dsn: dsn, key: key}
}

func (f *fixture) user(t testing.TB, name string) *feedwire.User {
	t.Helper()
	u, err := f.store.CreateUser(context.Background(), f.workspace, feedwire.UserInput{Name: name, Type: feedwire.UserCustomer})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (f *fixture) message(t *testing.T) *feedwire.Message {
	t.Helper()
	u := f.user(t, "Ada")
	m, err := f.store.CreateMessage(context.Background(), f.workspace, feedwire.MessageInput{
		Title: "Export to PDF", Content: "Please add it.", Channel: "INTERCOM", RequesterID: u.ID, SubmitterID: u.ID,
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (f *fixture) events(t *testing.T, types ...feedwire.EventType) []feedwire.Event {
	t.Helper()
	page, err := f.store.Events(context.Background(), f.workspace, feedwire.EventFilter{ListParams: feedwire.ListParams{Limit: 100}, Types: types})
	if err != nil {
		t.Fatal(err)
	}
	return page.Items
}

// problemFields returns the fields an ErrInvalid error names.
func problemFields(t *testing.T, err error) []string {
	t.Helper()
	var fe *feedwire.Error
	if !errors.As(err, &fe) || !errors.Is(err, feedwire.ErrInvalid) {
		t.Fatalf("got error %v, want an ErrInvalid *feedwire.Error", err)
	}
	var fields []string
	for _, p := range fe.Problems {
		fields = append(fields, p.Field)
	}
	return fields
}

func ptr[T any](v T) *T { return &v }

func TestMigrateTwice(t *testing.T) {
	f := setup(t)
	if err := f.store.Migrate(context.Background()); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
}

func TestAuthenticate(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	ws, key, err := f.store.CreateAPIKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if ws.ID != f.workspace {
		t.Errorf("second key for acme made workspace %s, want the existing %s", ws.ID, f.workspace)
	}
	got, err := f.store.Authenticate(ctx, key.Secret)
	if err != nil || got.ID != ws.ID {
		t.Fatalf("authenticate with the new key: got %v, %v", got, err)
	}
	for _, bad := range []string{"", "fw_nope", key.Secret + "x", key.Secret[3:]} {
		if _, err := f.store.Authenticate(ctx, bad); !errors.Is(err, feedwire.ErrUnauthorized) {
			t.Errorf("authenticate(%q): got %v, want ErrUnauthorized", bad, err)
		}
	}
}

// TestKeyRevokedAtOnce: a key revoked, or rotated without a grace period, is refused
// by the very next request, though authenticating it moments before was remembered;
// and so is one whose scheduled revocation comes while it is remembered.
func TestKeyRevokedAtOnce(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	ws, key, err := f.store.CreateAPIKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	check := func(secret string, want bool) {
		t.Helper()
		_, err := f.store.Authenticate(ctx, secret)
		if got := err == nil; got != want {
			t.Fatalf("authenticate: %v, want it to work: %v", err, want)
		}
	}
	check(key.Secret, true)
	rotated, _, err := f.store.RotateAPIKey(ctx, ws.ID, key.ID, 0, feedwire.APIKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	check(key.Secret, false)
	check(rotated.Secret, true)
	if _, err := f.store.RevokeAPIKey(ctx, ws.ID, rotated.ID); err != nil {
		t.Fatal(err)
	}
	check(rotated.Secret, false)

	_, graced, err := f.store.CreateAPIKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.store.RotateAPIKey(ctx, ws.ID, graced.ID, time.Minute, feedwire.APIKeyInput{}); err != nil {
		t.Fatal(err)
	}
	check(graced.Secret, true) // remembered now, with its revocation a minute away
	f.clock.Advance(time.Minute)
	check(graced.Secret, false)
}

func TestMessageCreateEmitsEvent(t *testing.T) {
	f := setup(t)
	m := f.message(t)
	if len(m.ClientID) != len("msg_")+16 || m.ClientID[:4] != "msg_" {
		t.Errorf("got clientId %q, want msg_ and 16 characters", m.ClientID)
	}
	evs := f.events(t)
	if len(evs) != 1 || evs[0].Type != feedwire.MessageCreated || evs[0].ResourceID != m.ID || evs[0].Changes != nil {
		t.Fatalf("got events %+v, want one MESSAGE_CREATED without changes", evs)
	}
	var data map[string]any
	if err := json.Unmarshal(evs[0].Data, &data); err != nil {
		t.Fatal(err)
	}
	if data["id"] != m.ID || data["createdAt"] != "2025-01-15T10:30:00.000Z" || data["assigneeId"] != nil {
		t.Errorf("got data %s", evs[0].Data)
	}
	if _, ok := data["assigneeId"]; !ok {
		t.Error("data leaves out assigneeId; optional fields must be present as null")
	}
}

func TestMessageUpdate(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	m := f.message(t)
	f.clock.Advance(time.Hour)

	got, err := f.store.UpdateMessage(ctx, f.workspace, m.ID, feedwire.MessagePatch{
		Read: feedwire.Set(true), Title: feedwire.Set("Export to PDF and CSV"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Read || !got.Updated || got.UpdatedAt.Sub(m.UpdatedAt) != time.Hour {
		t.Errorf("got read %v, updated %v, updatedAt %v", got.Read, got.Updated, got.UpdatedAt)
	}
	evs := f.events(t, feedwire.MessageUpdated)
	if len(evs) != 1 {
		t.Fatalf("got %d MESSAGE_UPDATED events, want 1", len(evs))
	}
	if want := `{"title":"Export to PDF and CSV","read":true,"updated":true}`; string(evs[0].Changes) != want {
		t.Errorf("got changes %s, want %s", evs[0].Changes, want)
	}

	// The same patch again changes nothing, so it writes nothing and emits nothing.
	f.clock.Advance(time.Hour)
	again, err := f.store.UpdateMessage(ctx, f.workspace, m.ID, feedwire.MessagePatch{Read: feedwire.Set(true)})
	if err != nil {
		t.Fatal(err)
	}
	if !again.UpdatedAt.Equal(got.UpdatedAt) {
		t.Errorf("a no-op patch moved updatedAt from %v to %v", got.UpdatedAt, again.UpdatedAt)
	}
	if n := len(f.events(t, feedwire.MessageUpdated)); n != 1 {
		t.Errorf("got %d MESSAGE_UPDATED events after a no-op patch, want 1", n)
	}

	// Triage does not make a message "updated"; only its text does.
	other := f.message(t)
	triaged, err := f.store.UpdateMessage(ctx, f.workspace, other.ID, feedwire.MessagePatch{Archived: feedwire.Set(true)})
	if err != nil || triaged.Updated {
		t.Errorf("archiving: got updated %v, err %v; want false, nil", triaged.Updated, err)
	}
}

func TestMessageInvalidWritesNothing(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	u := f.user(t, "Ada")
	tests := []struct {
		name   string
		in     feedwire.MessageInput
		fields []string
	}{
		{"unknown channel and no title", feedwire.MessageInput{Content: "x", Channel: "FAX", RequesterID: u.ID, SubmitterID: u.ID},
			[]string{"title", "channel"}},
		{"unknown users", feedwire.MessageInput{Title: "t", Content: "x", Channel: "MAIL", RequesterID: "nobody", SubmitterID: u.ID, AssigneeID: ptr("nobody")},
			[]string{"requesterId", "assigneeId"}},
		{"one unknown user, twice", feedwire.MessageInput{Title: "t", Content: "x", Channel: "MAIL", RequesterID: "nobody", SubmitterID: "nobody"},
			[]string{"requesterId", "submitterId"}},
		{"bad integration url", feedwire.MessageInput{Title: "t", Content: "x", Channel: "MAIL", RequesterID: u.ID, SubmitterID: u.ID, IntegrationURL: ptr("ftp:/x")},
			[]string{"integrationUrl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.store.CreateMessage(ctx, f.workspace, tt.in)
			if got := problemFields(t, err); !slices.Equal(got, tt.fields) {
				t.Errorf("got problems with %v, want %v", got, tt.fields)
			}
		})
	}
	page, err := f.store.Messages(ctx, f.workspace, feedwire.ListParams{Limit: 10})
	if err != nil || len(page.Items) != 0 {
		t.Errorf("got %d messages, %v; want none", len(page.Items), err)
	}
	if evs := f.events(t); len(evs) != 0 {
		t.Errorf("got %d events, want none", len(evs))
	}
}

func TestMessagePatchNullRequired(t *testing.T) {
	f := setup(t)
	m := f.message(t)
	_, err := f.store.UpdateMessage(context.Background(), f.workspace, m.ID, feedwire.MessagePatch{
		Title: feedwire.Null[string](), AssigneeID: feedwire.Set("nobody"),
	})
	if got := problemFields(t, err); !slices.Equal(got, []string{"title"}) {
		t.Errorf("got problems with %v, want [title]", got)
	}
	if n := len(f.events(t, feedwire.MessageUpdated)); n != 0 {
		t.Errorf("got %d MESSAGE_UPDATED events, want none", n)
	}
}

func TestWorkspacesAreIsolated(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	m := f.message(t)
	other, _, err := f.store.CreateAPIKey(ctx, "globex")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Message(ctx, other.ID, m.ID); !errors.Is(err, feedwire.ErrNotFound) {
		t.Errorf("get another workspace's message: got %v, want ErrNotFound", err)
	}
	if _, err := f.store.UpdateMessage(ctx, other.ID, m.ID, feedwire.MessagePatch{Read: feedwire.Set(true)}); !errors.Is(err, feedwire.ErrNotFound) {
		t.Errorf("patch another workspace's message: got %v, want ErrNotFound", err)
	}
	// Referring to another workspace's user is as wrong as referring to no user.
	stranger, err := f.store.CreateUser(ctx, other.ID, feedwire.UserInput{Name: "Eve", Type: feedwire.UserLead})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.store.UpdateMessage(ctx, f.workspace, m.ID, feedwire.MessagePatch{AssigneeID: feedwire.Set(stranger.ID)})
	if got := problemFields(t, err); !slices.Equal(got, []string{"assigneeId"}) {
		t.Errorf("got problems with %v, want [assigneeId]", got)
	}
	if evs, err := f.store.Events(ctx, other.ID, feedwire.EventFilter{ListParams: feedwire.ListParams{Limit: 10}}); err != nil || len(evs.Items) != 0 {
		t.Errorf("other workspace sees %d events, %v; want none", len(evs.Items), err)
	}
}

func TestPagination(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	want := map[string]bool{}
	for range 5 {
		want[f.user(t, "u").ID] = true
		f.clock.Advance(time.Millisecond)
	}
	seen := map[string]bool{}
	var pages int
	p := feedwire.ListParams{Limit: 2}
	for {
		page, err := f.store.Users(ctx, f.workspace, p)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, u := range page.Items {
			if seen[u.ID] {
				t.Errorf("user %s on two pages", u.ID)
			}
			seen[u.ID] = true
		}
		if page.Next == "" {
			break
		}
		p.After = page.Next
	}
	if pages != 3 || len(seen) != len(want) {
		t.Errorf("got %d users on %d pages, want 5 on 3", len(seen), pages)
	}
}

func TestDiscoveryTreeRefusesCycles(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	create := func(parent *string) *feedwire.Discovery {
		d, err := f.store.CreateDiscovery(ctx, f.workspace, feedwire.DiscoveryInput{Title: "d", ParentID: parent})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	a := create(nil)
	b := create(&a.ID)
	c := create(&b.ID)
	for _, parent := range []string{a.ID, c.ID} {
		_, err := f.store.UpdateDiscovery(ctx, f.workspace, a.ID, feedwire.DiscoveryPatch{ParentID: feedwire.Set(parent)})
		if got := problemFields(t, err); !slices.Equal(got, []string{"parentId"}) {
			t.Errorf("parent %s: got problems with %v, want [parentId]", parent, got)
		}
	}
	// Moving c under a directly is fine: no cycle.
	if _, err := f.store.UpdateDiscovery(ctx, f.workspace, c.ID, feedwire.DiscoveryPatch{ParentID: feedwire.Set(a.ID)}); err != nil {
		t.Errorf("move c under a: %v", err)
	}
}

func TestComponentTreeRefusesCycles(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	a, err := f.store.CreateComponent(ctx, f.workspace, feedwire.ComponentInput{Title: "a"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.store.CreateComponent(ctx, f.workspace, feedwire.ComponentInput{Title: "b", ParentID: &a.ID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.store.UpdateComponent(ctx, f.workspace, a.ID, feedwire.ComponentPatch{ParentID: feedwire.Set(b.ID)})
	if got := problemFields(t, err); !slices.Equal(got, []string{"parentId"}) {
		t.Errorf("got problems with %v, want [parentId]", got)
	}
	if _, err := f.store.CreateComponent(ctx, f.workspace, feedwire.ComponentInput{Title: "c", ParentID: ptr("nope")}); err == nil {
		t.Error("created a component under a parent that does not exist")
	}
}

func TestFeedback(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	m := f.message(t)
	state, err := f.store.CreateDiscoveryState(ctx, f.workspace, feedwire.DiscoveryStateInput{Name: "To review"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.store.CreateDiscovery(ctx, f.workspace, feedwire.DiscoveryInput{Title: "Exports", DiscoveryStateID: &state.ID})
	if err != nil {
		t.Fatal(err)
	}
	fb, err := f.store.CreateFeedback(ctx, f.workspace, feedwire.FeedbackInput{MessageID: m.ID, DiscoveryID: d.ID, Score: 3})
	if err != nil {
		t.Fatal(err)
	}
	if fb.RequesterID == nil || *fb.RequesterID != m.RequesterID || *fb.SubmitterID != m.SubmitterID {
		t.Errorf("feedback requester/submitter %v/%v, want the message's %s/%s", fb.RequesterID, fb.SubmitterID, m.RequesterID, m.SubmitterID)
	}
	f.clock.Advance(time.Minute)
	if _, err := f.store.UpdateFeedback(ctx, f.workspace, fb.ID, feedwire.FeedbackPatch{Starred: feedwire.Set(true), RequesterID: feedwire.Null[string]()}); err != nil {
		t.Fatal(err)
	}
	evs := f.events(t, feedwire.FeedbackUpdated)
	if len(evs) != 1 || string(evs[0].Changes) != `{"starred":true,"requesterId":null}` {
		t.Errorf("got %+v, want one FEEDBACK_UPDATED with starred and a cleared requesterId", evs)
	}
	_, err = f.store.CreateFeedback(ctx, f.workspace, feedwire.FeedbackInput{MessageID: "x", DiscoveryID: "y", Score: -1})
	if got := problemFields(t, err); !slices.Equal(got, []string{"score"}) {
		t.Errorf("got problems with %v, want [score] first", got)
	}
	_, err = f.store.CreateFeedback(ctx, f.workspace, feedwire.FeedbackInput{MessageID: "x", DiscoveryID: "y", Score: 1})
	if got := problemFields(t, err); !slices.Equal(got, []string{"messageId", "discoveryId"}) {
		t.Errorf("got problems with %v, want [messageId discoveryId]", got)
	}
}

func TestEventFilters(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.message(t) // at 10:30
	f.clock.Advance(time.Hour)
	if _, err := f.store.CreateComponent(ctx, f.workspace, feedwire.ComponentInput{Title: "Dashboard"}); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)
	tests := []struct {
		name   string
		filter feedwire.EventFilter
		want   []feedwire.EventType
	}{
		{"all, newest first", feedwire.EventFilter{}, []feedwire.EventType{feedwire.ComponentCreated, feedwire.MessageCreated}},
		{"by type", feedwire.EventFilter{Types: []feedwire.EventType{feedwire.MessageCreated}}, []feedwire.EventType{feedwire.MessageCreated}},
		{"since", feedwire.EventFilter{Since: start.Add(time.Minute)}, []feedwire.EventType{feedwire.ComponentCreated}},
		{"until", feedwire.EventFilter{Until: start.Add(time.Minute)}, []feedwire.EventType{feedwire.MessageCreated}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.filter.Limit = 10
			page, err := f.store.Events(ctx, f.workspace, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var got []feedwire.EventType
			for _, e := range page.Items {
				got = append(got, e.Type)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
