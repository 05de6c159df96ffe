package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
	"github.com/feedwire/feedwire/wire"
)

// newEvents returns the events emitted since the workspace had before of them, oldest
// first.
func (f *fixture) newEvents(t *testing.T, before int) []feedwire.Event {
	t.Helper()
	events := f.events(t)
	var out []feedwire.Event
	for i := len(events) - 1 - before; i >= 0; i-- {
		out = append(out, events[i])
	}
	return out
}

// resourceIDs returns "topic resourceId" for each event.
func resourceIDs(events []feedwire.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = string(e.Type) + " " + e.ResourceID
	}
	return out
}

// TestDeletesAnnounceWhatTheyTake: comment.deleted is "triggered when a comment is
// permanently deleted", so every comment a delete takes along is announced, replies
// before the comment they answer, and the post last.
func TestDeletesAnnounceWhatTheyTake(t *testing.T) {
	f := setupPost(t)
	ctx := context.Background()
	comment := func(parent *string) string {
		t.Helper()
		f.clock.Advance(time.Millisecond)
		c, err := f.store.CreateComment(ctx, f.workspace, feedwire.CommentInput{
			PostID: f.post.ID, Content: "<p>+1</p>", AuthorID: f.author.ID, ParentCommentID: parent,
		})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	root := comment(nil)
	reply1, reply2 := comment(&root), comment(&root)
	other := comment(nil)
	otherReply := comment(&other)
	if _, err := f.store.Vote(ctx, f.workspace, f.post.ID, f.admin.ID, feedwire.VoteAdd); err != nil {
		t.Fatal(err)
	}

	before := len(f.events(t))
	if err := f.store.DeleteComment(ctx, f.workspace, root); err != nil {
		t.Fatal(err)
	}
	want := []string{"comment.deleted " + reply1, "comment.deleted " + reply2, "comment.deleted " + root}
	if got := resourceIDs(f.newEvents(t, before)); !equal(got, want) {
		t.Errorf("deleting a comment with two replies emitted %v, want %v", got, want)
	}

	before = len(f.events(t))
	if err := f.store.DeletePost(ctx, f.workspace, f.post.ID); err != nil {
		t.Fatal(err)
	}
	want = []string{"comment.deleted " + otherReply, "comment.deleted " + other, "post.deleted " + f.post.ID}
	if got := resourceIDs(f.newEvents(t, before)); !equal(got, want) {
		t.Errorf("deleting a post with a comment, a reply and a vote emitted %v, want %v (no post.voted: nobody removed a vote)", got, want)
	}
}

// TestUserChangesReachWhatShowsThem: posts and comments embed their author, so a
// renamed user is announced on each of them; conversation parts keep their author as
// they were when written, so they do not change at all.
func TestUserChangesReachWhatShowsThem(t *testing.T) {
	f := setupPost(t)
	ctx := context.Background()
	c, err := f.store.CreateComment(ctx, f.workspace, feedwire.CommentInput{PostID: f.post.ID, Content: "x", AuthorID: f.author.ID})
	if err != nil {
		t.Fatal(err)
	}
	conversation, err := f.store.CreateConversation(ctx, f.workspace, feedwire.ConversationInput{Title: "Help", ContactID: f.author.ID, BodyMarkdown: "x"})
	if err != nil {
		t.Fatal(err)
	}

	f.clock.Advance(time.Minute)
	before := len(f.events(t))
	if _, err := f.store.UpdateUser(ctx, f.workspace, f.author.ID, feedwire.UserPatch{Name: feedwire.Set("Ada King")}); err != nil {
		t.Fatal(err)
	}
	events := f.newEvents(t, before)
	want := []string{"post.updated " + f.post.ID, "comment.updated " + c.ID}
	if got := resourceIDs(events); !equal(got, want) {
		t.Fatalf("renaming the author emitted %v, want %v", got, want)
	}
	for _, ev := range events {
		if fields := changedFields(t, ev); !equal(fields, []string{"author"}) {
			t.Errorf("%s changes %v, want [author]", ev.Type, fields)
		}
	}
	if p := f.reload(t); p.Author.Name != "Ada King" || !p.UpdatedAt.Equal(f.clock.Now()) {
		t.Errorf("the post shows author %q updated at %v", p.Author.Name, p.UpdatedAt)
	}
	got, err := f.store.Conversation(ctx, f.workspace, conversation.ID)
	if err != nil || got.Source.Author.Name != "Ada" || !got.UpdatedAt.Equal(conversation.UpdatedAt) {
		t.Errorf("the conversation's first message shows its author as %q (want the name it was written under, Ada), updated %v (%v)",
			got.Source.Author.Name, got.UpdatedAt, err)
	}

	// Making a bot of someone who wrote a post would contradict post.created.
	if _, err := f.store.UpdateUser(ctx, f.workspace, f.author.ID, feedwire.UserPatch{Type: feedwire.Set(feedwire.UserBot)}); !errors.Is(err, feedwire.ErrInvalid) {
		t.Errorf("making a post's author a bot: %v, want ErrInvalid", err)
	}
}

// TestStatusChangesReachTheirPosts: a post embeds its status, so renaming the status
// or moving the default announces each post that shows it.
func TestStatusChangesReachTheirPosts(t *testing.T) {
	f := setupPost(t)
	ctx := context.Background()
	page, err := f.store.PostStatuses(ctx, f.workspace, feedwire.ListParams{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var planned feedwire.PostStatus
	for _, s := range page.Items {
		if s.Name == "Planned" {
			planned = s
		}
	}
	plannedPost, err := f.store.CreatePost(ctx, f.workspace, feedwire.PostInput{
		Title: "SSO", Content: "x", BoardID: f.board.ID, AuthorID: f.author.ID, StatusID: &planned.ID,
	})
	if err != nil {
		t.Fatal(err)
	}

	f.clock.Advance(time.Minute)
	before := len(f.events(t))
	if _, err := f.store.UpdatePostStatus(ctx, f.workspace, f.post.StatusID, feedwire.PostStatusPatch{Name: feedwire.Set("Reviewing")}); err != nil {
		t.Fatal(err)
	}
	if got, want := resourceIDs(f.newEvents(t, before)), []string{"post.updated " + f.post.ID}; !equal(got, want) {
		t.Errorf("renaming a status emitted %v, want %v", got, want)
	}

	before = len(f.events(t))
	if _, err := f.store.UpdatePostStatus(ctx, f.workspace, planned.ID, feedwire.PostStatusPatch{IsDefault: feedwire.Set(true)}); err != nil {
		t.Fatal(err)
	}
	if got, want := resourceIDs(f.newEvents(t, before)), []string{"post.updated " + plannedPost.ID, "post.updated " + f.post.ID}; !equal(got, want) {
		t.Errorf("moving the default emitted %v, want %v: both statuses' isDefault changed", got, want)
	}
	if p := f.reload(t); p.Status.IsDefault {
		t.Errorf("the post's old default status still says isDefault")
	}
}

// TestWhoMayCauseWhat pins the actors of the seed's trigger sentences: a request that
// would make an event claim an actor the sentence does not name is refused and
// changes nothing.
func TestWhoMayCauseWhat(t *testing.T) {
	f := setupConversation(t)
	ctx := context.Background()
	board, err := f.store.CreateBoard(ctx, f.workspace, feedwire.BoardInput{Name: "Ideas"})
	if err != nil {
		t.Fatal(err)
	}
	post, err := f.store.CreatePost(ctx, f.workspace, feedwire.PostInput{Title: "x", Content: "x", BoardID: board.ID, AuthorID: f.admin.ID})
	if err != nil {
		t.Fatal(err)
	}
	botPart, err := f.store.AddPart(ctx, f.workspace, f.conversation.ID, feedwire.PartInput{Type: feedwire.PartBotMessage, AuthorID: f.bot.ID, BodyMarkdown: "Hi"})
	if err != nil {
		t.Fatal(err)
	}
	before := len(f.events(t))
	for _, tc := range []struct {
		name string
		do   func() error
		want error
	}{
		{"a bot starts a conversation (conversation.user.created: a contact or lead)", func() error {
			_, err := f.store.CreateConversation(ctx, f.workspace, feedwire.ConversationInput{Title: "x", ContactID: f.bot.ID, BodyMarkdown: "x"})
			return err
		}, feedwire.ErrInvalid},
		{"an admin starts a conversation", func() error {
			_, err := f.store.CreateConversation(ctx, f.workspace, feedwire.ConversationInput{Title: "x", ContactID: f.admin.ID, BodyMarkdown: "x"})
			return err
		}, feedwire.ErrInvalid},
		{"an admin is attached (conversation.contact.attached: a contact)", func() error {
			_, err := f.store.AttachParticipant(ctx, f.workspace, f.conversation.ID, f.admin.ID)
			return err
		}, feedwire.ErrInvalid},
		{"a bot is attached", func() error {
			_, err := f.store.AttachParticipant(ctx, f.workspace, f.conversation.ID, f.bot.ID)
			return err
		}, feedwire.ErrInvalid},
		{"a bot's message is redacted (conversation_part.redacted: a human part)", func() error {
			_, err := f.store.RedactPart(ctx, f.workspace, f.conversation.ID, botPart.ID)
			return err
		}, feedwire.ErrConflict},
		{"a bot writes a post (post.created: a user or admin)", func() error {
			_, err := f.store.CreatePost(ctx, f.workspace, feedwire.PostInput{Title: "x", Content: "x", BoardID: board.ID, AuthorID: f.bot.ID})
			return err
		}, feedwire.ErrInvalid},
		{"a bot votes (post.voted: a user)", func() error {
			_, err := f.store.Vote(ctx, f.workspace, post.ID, f.bot.ID, feedwire.VoteAdd)
			return err
		}, feedwire.ErrInvalid},
		{"a contact writes a note", func() error {
			_, err := f.store.AddPart(ctx, f.workspace, f.conversation.ID, feedwire.PartInput{Type: feedwire.PartAdminNote, AuthorID: f.contact.ID, BodyMarkdown: "x"})
			return err
		}, feedwire.ErrInvalid},
		{"a bot writes an admin's message", func() error {
			_, err := f.store.AddPart(ctx, f.workspace, f.conversation.ID, feedwire.PartInput{Type: feedwire.PartAdminMessage, AuthorID: f.bot.ID, BodyMarkdown: "x"})
			return err
		}, feedwire.ErrInvalid},
		{"a conversation starts with a resolved bot", func() error {
			resolved := feedwire.BotResolved
			_, err := f.store.CreateConversation(ctx, f.workspace, feedwire.ConversationInput{Title: "x", ContactID: f.contact.ID, BodyMarkdown: "x", BotState: &resolved})
			return err
		}, feedwire.ErrInvalid},
	} {
		if err := tc.do(); !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
	if n := len(f.events(t)) - before; n != 0 {
		t.Errorf("refused requests emitted %d events", n)
	}
}

// TestCombinedPatchEndsWhereGetIs: a PATCH that makes several transitions emits one
// event per transition, each showing the conversation as it really was after that
// step, and the last one exactly what GET shows afterwards.
func TestCombinedPatchEndsWhereGetIs(t *testing.T) {
	f := setupConversation(t)
	ctx := context.Background()
	active := feedwire.BotActive
	c, err := f.store.CreateConversation(ctx, f.workspace, feedwire.ConversationInput{
		Title: "Bot first", ContactID: f.contact.ID, BodyMarkdown: "x", BotState: &active,
	})
	if err != nil {
		t.Fatal(err)
	}
	var created webhook.Conversation
	if ev := f.lastEvent(t, &created); ev.Type != "conversation.user.created" || created.BotConversationState == nil || *created.BotConversationState != "active" {
		t.Fatalf("created %s with bot state %v, want active", ev.Type, created.BotConversationState)
	}
	f.conversation = c
	if _, err := f.patch(t, feedwire.ConversationPatch{State: feedwire.Set(feedwire.ConversationClosed)}); err != nil {
		t.Fatal(err)
	}

	before := len(f.events(t))
	after, err := f.patch(t, feedwire.ConversationPatch{
		State: feedwire.Set(feedwire.ConversationOpen), Priority: feedwire.Set(true), BotState: feedwire.Set(feedwire.BotHandedOffHuman),
	})
	if err != nil {
		t.Fatal(err)
	}
	events := f.newEvents(t, before)
	var topics []feedwire.EventType
	items := make([]webhook.Conversation, len(events))
	for i, ev := range events {
		topics = append(topics, ev.Type)
		if err := json.Unmarshal(ev.Data, &items[i]); err != nil {
			t.Fatal(err)
		}
	}
	if want := []feedwire.EventType{"conversation.admin.opened", "conversation.priority.updated", "conversation.handover_requested"}; !equal(topics, want) {
		t.Fatalf("emitted %v, want %v", topics, want)
	}
	if s := items[0]; s.State != "open" || s.Priority || *s.BotConversationState != "active" {
		t.Errorf("opened shows state %s, priority %v, bot %s; want open, false, active: the state after opening, before the rest", s.State, s.Priority, *s.BotConversationState)
	}
	if s := items[1]; !s.Priority || *s.BotConversationState != "active" {
		t.Errorf("priority.updated shows priority %v, bot %s; want true, active", s.Priority, *s.BotConversationState)
	}
	got, err := f.store.Conversation(ctx, f.workspace, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	last, _ := json.Marshal(items[2])
	fromGet, _ := json.Marshal(wire.FeaturebaseConversation(got))
	fromAnswer, _ := json.Marshal(wire.FeaturebaseConversation(after))
	if string(last) != string(fromGet) || string(fromAnswer) != string(fromGet) {
		t.Errorf("the last event's item differs from GET:\nevent  %s\nGET    %s\nanswer %s", last, fromGet, fromAnswer)
	}

	// The seed has no topic for a bot becoming active or resolving: refused, unchanged.
	if _, err := f.patch(t, feedwire.ConversationPatch{State: feedwire.Set(feedwire.ConversationClosed), BotState: feedwire.Set(feedwire.BotResolved)}); !errors.Is(err, feedwire.ErrInvalid) {
		t.Errorf("closing with a resolved bot: %v, want ErrInvalid", err)
	}
	if again, _ := f.store.Conversation(ctx, f.workspace, c.ID); again.State != feedwire.ConversationOpen {
		t.Errorf("a refused PATCH left the conversation %s", again.State)
	}
}

// TestIDsAreShapedLikeSeed000: "clx1a2b3c4d5e6f7g8h9i0j1" and "msg_5d6e7f8g9h0i1j2k".
func TestIDsAreShapedLikeSeed000(t *testing.T) {
	f := setup(t)
	m := f.message(t)
	if !regexp.MustCompile(`^c[0-9a-z]{23}$`).MatchString(m.ID) {
		t.Errorf("message id %q, want 24 characters like seed 000's clx1a2b3c4d5e6f7g8h9i0j1", m.ID)
	}
	if !regexp.MustCompile(`^msg_[0-9a-z]{16}$`).MatchString(m.ClientID) {
		t.Errorf("clientId %q, want msg_ and 16 characters like seed 000's msg_5d6e7f8g9h0i1j2k", m.ClientID)
	}
}
