package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// conversationFixture is a store with a contact, an admin and a bot, and a conversation
// the contact started.
type conversationFixture struct {
	*fixture
	contact, admin, bot *feedwire.User
	conversation        *feedwire.Conversation
}

func setupConversation(t *testing.T) *conversationFixture {
	t.Helper()
	f := &conversationFixture{fixture: setup(t)}
	ctx := context.Background()
	user := func(name string, typ feedwire.UserType) *feedwire.User {
		u, err := f.store.CreateUser(ctx, f.workspace, feedwire.UserInput{Name: name, Type: typ})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.contact, f.admin, f.bot = user("Ada", feedwire.UserCustomer), user("Grace", feedwire.UserAdmin), user("Fin", feedwire.UserBot)
	c, err := f.store.CreateConversation(ctx, f.workspace, feedwire.ConversationInput{
		Title: "Export fails", ContactID: f.contact.ID, BodyMarkdown: "My export fails.",
	})
	if err != nil {
		t.Fatal(err)
	}
	f.conversation = c
	return f
}

// topics returns the types of the workspace's events, oldest first.
func (f *fixture) topics(t *testing.T) []feedwire.EventType {
	t.Helper()
	events := f.events(t)
	out := make([]feedwire.EventType, len(events))
	for i, e := range events {
		out[len(events)-1-i] = e.Type
	}
	return out
}

// lastEvent returns the newest event, with its item decoded into item.
func (f *fixture) lastEvent(t *testing.T, item any) feedwire.Event {
	t.Helper()
	ev := f.events(t)[0]
	if err := json.Unmarshal(ev.Data, item); err != nil {
		t.Fatal(err)
	}
	return ev
}

func (f *conversationFixture) patch(t *testing.T, p feedwire.ConversationPatch) (*feedwire.Conversation, error) {
	t.Helper()
	f.clock.Advance(time.Minute)
	return f.store.UpdateConversation(context.Background(), f.workspace, f.conversation.ID, p)
}

func changes(t *testing.T, ev feedwire.Event) []webhook.Change {
	t.Helper()
	var c []webhook.Change
	if ev.Changes != nil {
		if err := json.Unmarshal(ev.Changes, &c); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func changedFields(t *testing.T, ev feedwire.Event) []string {
	t.Helper()
	var fields []string
	for _, c := range changes(t, ev) {
		fields = append(fields, c.Field)
	}
	return fields
}

func TestConversationCreated(t *testing.T) {
	f := setupConversation(t)
	var item webhook.Conversation
	ev := f.lastEvent(t, &item)
	if ev.Type != "conversation.user.created" || ev.Changes != nil {
		t.Fatalf("event %s with changes %s, want conversation.user.created without changes", ev.Type, ev.Changes)
	}
	if ev.ConversationID != f.conversation.ID || ev.ConversationURL != "http://127.0.0.1:8080/conversations/"+f.conversation.ID {
		t.Errorf("envelope conversation %q %q", ev.ConversationID, ev.ConversationURL)
	}
	if item.Object != "conversation" || item.State != "open" || item.Source == nil || item.Source.PartType != "user_msg" ||
		item.Source.Author.ID != f.contact.ID || item.Source.BodyHTML != "<p>My export fails.</p>" ||
		len(item.Participants) != 1 || item.Participants[0].ID != f.contact.ID || item.WaitingSince == nil {
		t.Errorf("item %+v", item)
	}

	_, err := f.store.CreateConversation(context.Background(), f.workspace, feedwire.ConversationInput{
		Title: "x", ContactID: f.admin.ID, BodyMarkdown: "x",
	})
	if fields := problemFields(t, err); len(fields) != 1 || fields[0] != "contactId" {
		t.Errorf("an admin starting a conversation: problems on %v, want contactId", fields)
	}
}

func TestConversationParts(t *testing.T) {
	f := setupConversation(t)
	ctx := context.Background()
	for _, tc := range []struct {
		part   feedwire.PartType
		author *feedwire.User
		topic  feedwire.EventType
	}{
		{feedwire.PartUserMessage, f.contact, "conversation.user.replied"},
		{feedwire.PartEmailMessage, f.contact, "conversation.user.replied"},
		{feedwire.PartAdminMessage, f.admin, "conversation.admin.replied"},
		{feedwire.PartEmailMessage, f.admin, "conversation.admin.replied"},
		{feedwire.PartBotMessage, f.bot, "conversation.admin.replied"},
		{feedwire.PartAdminNote, f.admin, "conversation.admin.noted"},
	} {
		p, err := f.store.AddPart(ctx, f.workspace, f.conversation.ID, feedwire.PartInput{Type: tc.part, AuthorID: tc.author.ID, BodyMarkdown: "hello"})
		if err != nil {
			t.Fatalf("%s by %s: %v", tc.part, tc.author.Type, err)
		}
		var item webhook.ConversationPart
		ev := f.lastEvent(t, &item)
		if ev.Type != tc.topic || ev.Changes != nil || ev.ConversationID != f.conversation.ID {
			t.Errorf("%s by %s emitted %s (changes %s, conversation %q), want %s without changes", tc.part, tc.author.Type, ev.Type, ev.Changes, ev.ConversationID, tc.topic)
		}
		if item.ID != p.ID || item.PartType != string(tc.part) || item.Author.ID != tc.author.ID || item.Redacted {
			t.Errorf("item %+v", item)
		}
	}
	// A bot cannot write an admin message, nor a contact a note: nothing is stored.
	before := len(f.events(t))
	for _, bad := range []feedwire.PartInput{
		{Type: feedwire.PartAdminMessage, AuthorID: f.bot.ID, BodyMarkdown: "x"},
		{Type: feedwire.PartAdminNote, AuthorID: f.contact.ID, BodyMarkdown: "x"},
		{Type: "fax", AuthorID: f.admin.ID, BodyMarkdown: "x"},
	} {
		if _, err := f.store.AddPart(ctx, f.workspace, f.conversation.ID, bad); !errors.Is(err, feedwire.ErrInvalid) {
			t.Errorf("%s by %s: err %v, want ErrInvalid", bad.Type, bad.AuthorID, err)
		}
	}
	parts, err := f.store.Parts(ctx, f.workspace, f.conversation.ID)
	if err != nil || len(parts) != 7 || len(f.events(t)) != before {
		t.Errorf("got %d parts (%v) and %d new events, want 7 and none", len(parts), err, len(f.events(t))-before)
	}
}

func TestConversationWaiting(t *testing.T) {
	f := setupConversation(t)
	ctx := context.Background()
	add := func(part feedwire.PartType, author *feedwire.User) *feedwire.Conversation {
		f.clock.Advance(time.Minute)
		if _, err := f.store.AddPart(ctx, f.workspace, f.conversation.ID, feedwire.PartInput{Type: part, AuthorID: author.ID, BodyMarkdown: "x"}); err != nil {
			t.Fatal(err)
		}
		c, err := f.store.Conversation(ctx, f.workspace, f.conversation.ID)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	started := *f.conversation.WaitingSince
	if c := add(feedwire.PartUserMessage, f.contact); !c.WaitingSince.Equal(started) {
		t.Errorf("a second message from the contact moved waitingSince to %v", c.WaitingSince)
	}
	if c := add(feedwire.PartAdminNote, f.admin); c.WaitingSince == nil {
		t.Error("a note ended the wait")
	}
	if c := add(feedwire.PartAdminMessage, f.admin); c.WaitingSince != nil || !c.LastActivityAt.Equal(f.clock.Now()) {
		t.Errorf("after an answer: waitingSince %v, lastActivityAt %v", c.WaitingSince, c.LastActivityAt)
	}
}

// TestConversationTransitions walks the state machine: each transition emits exactly
// its topic with the changes of its own fields.
func TestConversationTransitions(t *testing.T) {
	f := setupConversation(t)
	snoozeEnd := f.clock.Now().Add(24 * time.Hour)
	for _, step := range []struct {
		patch  feedwire.ConversationPatch
		topics []feedwire.EventType
		fields []string // of the last event
	}{
		{feedwire.ConversationPatch{State: feedwire.Set(feedwire.ConversationClosed)},
			[]feedwire.EventType{"conversation.admin.closed"}, []string{"state"}},
		{feedwire.ConversationPatch{State: feedwire.Set(feedwire.ConversationOpen)},
			[]feedwire.EventType{"conversation.admin.opened"}, []string{"state"}},
		{feedwire.ConversationPatch{State: feedwire.Set(feedwire.ConversationSnoozed), SnoozedUntil: feedwire.Set(snoozeEnd)},
			[]feedwire.EventType{"conversation.admin.snoozed"}, []string{"state", "snoozedUntil"}},
		{feedwire.ConversationPatch{State: feedwire.Set(feedwire.ConversationOpen)},
			[]feedwire.EventType{"conversation.admin.unsnoozed"}, []string{"state", "snoozedUntil"}},
		{feedwire.ConversationPatch{AdminAssigneeID: feedwire.Set(f.admin.ID)},
			[]feedwire.EventType{"conversation.admin.assigned"}, []string{"adminAssigneeId"}},
		{feedwire.ConversationPatch{TeamAssigneeID: feedwire.Set("support")},
			[]feedwire.EventType{"conversation.admin.assigned"}, []string{"teamAssigneeId"}},
		{feedwire.ConversationPatch{Priority: feedwire.Set(true)},
			[]feedwire.EventType{"conversation.priority.updated"}, []string{"priority", "prioritySetAt"}},
		{feedwire.ConversationPatch{BotState: feedwire.Set(feedwire.BotHandedOffHuman)},
			[]feedwire.EventType{"conversation.handover_requested"}, []string{"botConversationState", "botConversationStateLastUpdatedAt"}},
		// Two transitions in one PATCH: two events, in order, each with its own changes.
		{feedwire.ConversationPatch{State: feedwire.Set(feedwire.ConversationClosed), AdminAssigneeID: feedwire.Null[string]()},
			[]feedwire.EventType{"conversation.admin.closed", "conversation.admin.assigned"}, []string{"adminAssigneeId"}},
		// A PATCH that changes nothing emits nothing.
		{feedwire.ConversationPatch{Priority: feedwire.Set(true)}, nil, nil},
	} {
		before := f.topics(t)
		if _, err := f.patch(t, step.patch); err != nil {
			t.Fatalf("%+v: %v", step.patch, err)
		}
		got := f.topics(t)[len(before):]
		if !equal(got, step.topics) {
			t.Errorf("%+v emitted %v, want %v", step.patch, got, step.topics)
			continue
		}
		if len(got) > 0 {
			if fields := changedFields(t, f.events(t)[0]); !equal(fields, step.fields) {
				t.Errorf("%v changes %v, want %v", got, fields, step.fields)
			}
		}
	}
	c, err := f.store.Conversation(context.Background(), f.workspace, f.conversation.ID)
	if err != nil || c.State != feedwire.ConversationClosed || c.AdminAssigneeID != nil || *c.TeamAssigneeID != "support" ||
		!c.Priority || *c.BotState != feedwire.BotHandedOffHuman {
		t.Errorf("stored conversation %+v (%v)", c, err)
	}
}

// TestIllegalTransitions are problems that change nothing.
func TestIllegalTransitions(t *testing.T) {
	f := setupConversation(t)
	closed := feedwire.ConversationPatch{State: feedwire.Set(feedwire.ConversationClosed)}
	if _, err := f.patch(t, closed); err != nil {
		t.Fatal(err)
	}
	before := len(f.events(t))
	past := f.clock.Now().Add(-time.Minute)
	for _, tc := range []struct {
		name  string
		patch feedwire.ConversationPatch
		want  error
	}{
		{"close a closed one", closed, feedwire.ErrConflict},
		{"snooze a closed one", feedwire.ConversationPatch{State: feedwire.Set(feedwire.ConversationSnoozed), SnoozedUntil: feedwire.Set(f.clock.Now().Add(time.Hour))}, feedwire.ErrConflict},
		{"snooze without an end", feedwire.ConversationPatch{State: feedwire.Set(feedwire.ConversationSnoozed)}, feedwire.ErrInvalid},
		{"snooze into the past", feedwire.ConversationPatch{State: feedwire.Set(feedwire.ConversationSnoozed), SnoozedUntil: feedwire.Set(past)}, feedwire.ErrInvalid},
		{"snoozedUntil alone", feedwire.ConversationPatch{SnoozedUntil: feedwire.Set(f.clock.Now().Add(time.Hour))}, feedwire.ErrInvalid},
		{"an unknown state", feedwire.ConversationPatch{State: feedwire.Set[feedwire.ConversationState]("archived")}, feedwire.ErrInvalid},
		{"assign a contact", feedwire.ConversationPatch{AdminAssigneeID: feedwire.Set(f.contact.ID)}, feedwire.ErrInvalid},
		// No topic announces these bot states: refused rather than changed silently.
		{"bot state active", feedwire.ConversationPatch{BotState: feedwire.Set(feedwire.BotActive)}, feedwire.ErrInvalid},
		{"bot state resolved", feedwire.ConversationPatch{BotState: feedwire.Set(feedwire.BotResolved)}, feedwire.ErrInvalid},
		{"open with a bot state resolved", feedwire.ConversationPatch{State: feedwire.Set(feedwire.ConversationOpen), BotState: feedwire.Set(feedwire.BotResolved)}, feedwire.ErrInvalid},
		// The priority would be legal, the state is not: nothing of the patch is kept.
		{"half legal", feedwire.ConversationPatch{State: feedwire.Set(feedwire.ConversationClosed), Priority: feedwire.Set(true)}, feedwire.ErrConflict},
	} {
		if _, err := f.patch(t, tc.patch); !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
	c, err := f.store.Conversation(context.Background(), f.workspace, f.conversation.ID)
	if err != nil || c.State != feedwire.ConversationClosed || c.Priority || c.SnoozedUntil != nil || len(f.events(t)) != before {
		t.Errorf("illegal patches changed the conversation (%+v, %v) or emitted %d events", c, err, len(f.events(t))-before)
	}
}

func TestParticipantsReadAndRedact(t *testing.T) {
	f := setupConversation(t)
	ctx := context.Background()
	lead, err := f.store.CreateUser(ctx, f.workspace, feedwire.UserInput{Name: "Ann", Type: feedwire.UserLead})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.AttachParticipant(ctx, f.workspace, f.conversation.ID, lead.ID); err != nil {
		t.Fatal(err)
	}
	var item webhook.Conversation
	if ev := f.lastEvent(t, &item); ev.Type != "conversation.contact.attached" || !equal(changedFields(t, ev), []string{"participants"}) || len(item.Participants) != 2 {
		t.Errorf("attach emitted %s %v, participants %v", ev.Type, changedFields(t, ev), item.Participants)
	}
	if _, err := f.store.AttachParticipant(ctx, f.workspace, f.conversation.ID, lead.ID); !errors.Is(err, feedwire.ErrConflict) {
		t.Errorf("attaching twice: %v, want ErrConflict", err)
	}
	if _, err := f.store.DetachParticipant(ctx, f.workspace, f.conversation.ID, lead.ID); err != nil {
		t.Fatal(err)
	}
	if ev := f.lastEvent(t, &item); ev.Type != "conversation.contact.detached" || len(item.Participants) != 1 {
		t.Errorf("detach emitted %s, participants %v", ev.Type, item.Participants)
	}
	if _, err := f.store.DetachParticipant(ctx, f.workspace, f.conversation.ID, lead.ID); !errors.Is(err, feedwire.ErrConflict) {
		t.Errorf("detaching someone absent: %v, want ErrConflict", err)
	}

	if _, err := f.store.MarkRead(ctx, f.workspace, f.conversation.ID, f.admin.ID); err != nil {
		t.Fatal(err)
	}
	if ev := f.lastEvent(t, &item); ev.Type != "conversation.read" || !equal(changedFields(t, ev), []string{"readReceipts"}) ||
		len(item.ReadReceipts) != 1 || item.ReadReceipts[0].UserID != f.admin.ID {
		t.Errorf("read emitted %s, receipts %v", ev.Type, item.ReadReceipts)
	}

	source := f.conversation.Source.ID
	if _, err := f.store.RedactPart(ctx, f.workspace, f.conversation.ID, source); err != nil {
		t.Fatal(err)
	}
	var part webhook.ConversationPart
	if ev := f.lastEvent(t, &part); ev.Type != "conversation_part.redacted" || ev.Changes != nil || !part.Redacted ||
		part.BodyMarkdown != "" || part.BodyHTML != "" {
		t.Errorf("redact emitted %s with %+v", ev.Type, part)
	}
	if _, err := f.store.RedactPart(ctx, f.workspace, f.conversation.ID, source); !errors.Is(err, feedwire.ErrConflict) {
		t.Errorf("redacting twice: %v, want ErrConflict", err)
	}
}

func TestConversationDeleted(t *testing.T) {
	f := setupConversation(t)
	ctx := context.Background()
	if err := f.store.DeleteConversation(ctx, f.workspace, f.conversation.ID); err != nil {
		t.Fatal(err)
	}
	var item webhook.Conversation
	if ev := f.lastEvent(t, &item); ev.Type != "conversation.deleted" || ev.Changes != nil || item.ID != f.conversation.ID || item.Source == nil {
		t.Errorf("delete emitted %s, item %+v", ev.Type, item)
	}
	if _, err := f.store.Conversation(ctx, f.workspace, f.conversation.ID); !errors.Is(err, feedwire.ErrNotFound) {
		t.Errorf("deleted conversation: %v, want ErrNotFound", err)
	}
	if err := f.store.DeleteConversation(ctx, f.workspace, f.conversation.ID); !errors.Is(err, feedwire.ErrNotFound) {
		t.Errorf("deleting twice: %v, want ErrNotFound", err)
	}
}

// TestUnsnoozeOnce lets several timers race over an ended snooze: the conversation
// reopens once, with one conversation.admin.unsnoozed.
func TestUnsnoozeOnce(t *testing.T) {
	f := setupConversation(t)
	ctx := context.Background()
	end := f.clock.Now().Add(time.Hour)
	if _, err := f.patch(t, feedwire.ConversationPatch{State: feedwire.Set(feedwire.ConversationSnoozed), SnoozedUntil: feedwire.Set(end)}); err != nil {
		t.Fatal(err)
	}
	if next, ok, err := f.store.NextSnoozeEnd(ctx); err != nil || !ok || !next.Equal(end) {
		t.Errorf("next snooze end %v %v %v, want %v", next, ok, err, end)
	}
	if n, err := f.store.UnsnoozeDue(ctx, end.Add(-time.Millisecond)); err != nil || n != 0 {
		t.Errorf("before the end: unsnoozed %d (%v)", n, err)
	}

	var total int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			n, err := f.store.UnsnoozeDue(ctx, end)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	wg.Wait()
	if total != 1 {
		t.Errorf("racing timers reopened %d times, want 1", total)
	}
	if got := f.events(t, "conversation.admin.unsnoozed"); len(got) != 1 || !equal(changedFields(t, got[0]), []string{"state", "snoozedUntil"}) {
		t.Errorf("got %d unsnoozed events", len(got))
	}
	if _, ok, _ := f.store.NextSnoozeEnd(ctx); ok {
		t.Error("a snooze is still pending")
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
