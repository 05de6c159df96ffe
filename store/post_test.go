package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// postFixture is a store with a board, an author, an admin and a post.
type postFixture struct {
	*fixture
	board         *feedwire.Board
	author, admin *feedwire.User
	post          *feedwire.Post
}

func setupPost(t *testing.T) *postFixture {
	t.Helper()
	ctx := context.Background()
	f := &postFixture{fixture: setup(t)}
	var err error
	if f.board, err = f.store.CreateBoard(ctx, f.workspace, feedwire.BoardInput{Name: "Feature requests"}); err != nil {
		t.Fatal(err)
	}
	f.author = f.user(t, "Ada")
	if f.admin, err = f.store.CreateUser(ctx, f.workspace, feedwire.UserInput{Name: "Grace", Type: feedwire.UserAdmin}); err != nil {
		t.Fatal(err)
	}
	f.post, err = f.store.CreatePost(ctx, f.workspace, feedwire.PostInput{
		Title: "Dark mode?", Content: "<p>Please</p>", BoardID: f.board.ID, AuthorID: f.author.ID,
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *postFixture) reload(t *testing.T) *feedwire.Post {
	t.Helper()
	p, err := f.store.Post(context.Background(), f.workspace, f.post.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultPostStatuses(t *testing.T) {
	f := setup(t)
	page, err := f.store.PostStatuses(context.Background(), f.workspace, feedwire.ListParams{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	defaults := 0
	types := map[feedwire.PostStatusType]bool{}
	for _, s := range page.Items {
		types[s.Type] = true
		if s.IsDefault {
			defaults++
			if s.Type != "reviewing" {
				t.Errorf("the default status is %s, want a reviewing one", s.Type)
			}
		}
	}
	if len(page.Items) != 5 || defaults != 1 || len(types) != 5 {
		t.Errorf("a new workspace has %d statuses, %d default, %d types; want 5, 1, 5", len(page.Items), defaults, len(types))
	}

	// Making another status the default takes it from the first.
	planned := page.Items[len(page.Items)-2]
	if _, err := f.store.UpdatePostStatus(context.Background(), f.workspace, planned.ID, feedwire.PostStatusPatch{IsDefault: feedwire.Set(true)}); err != nil {
		t.Fatal(err)
	}
	page, _ = f.store.PostStatuses(context.Background(), f.workspace, feedwire.ListParams{Limit: 100})
	for _, s := range page.Items {
		if s.IsDefault != (s.ID == planned.ID) {
			t.Errorf("status %s isDefault %v", s.Name, s.IsDefault)
		}
	}
}

func TestPostCreated(t *testing.T) {
	f := setupPost(t)
	var item webhook.Post
	ev := f.lastEvent(t, &item)
	if ev.Type != "post.created" || ev.Changes != nil || ev.ConversationID != "" {
		t.Fatalf("event %s, changes %s", ev.Type, ev.Changes)
	}
	if item.Object != "post" || item.ID != f.post.ID || item.Slug != "dark-mode" || item.PostURL != "http://127.0.0.1:8080/p/dark-mode" ||
		item.Author == nil || item.Author.ID != f.author.ID || item.Status == nil || !item.Status.IsDefault ||
		item.Tags == nil || item.CustomFields == nil || item.Upvotes != 0 {
		t.Errorf("item %+v", item)
	}
	again, err := f.store.CreatePost(context.Background(), f.workspace, feedwire.PostInput{
		Title: "Dark mode", Content: "x", BoardID: f.board.ID, AuthorID: f.author.ID,
	})
	if err != nil || again.Slug != "dark-mode-2" {
		t.Errorf("second post's slug %q (%v), want dark-mode-2", again.Slug, err)
	}
}

func TestPostBadReferencesWriteNothing(t *testing.T) {
	f := setupPost(t)
	before := len(f.events(t))
	_, err := f.store.CreatePost(context.Background(), f.workspace, feedwire.PostInput{
		Title: "x", Content: "x", BoardID: "nope", AuthorID: f.author.ID, StatusID: ptr("nope"), AssigneeID: ptr(f.author.ID),
	})
	if fields := problemFields(t, err); !equal(fields, []string{"boardId", "statusId"}) {
		t.Errorf("problems on %v, want boardId and statusId", fields)
	}
	_, err = f.store.UpdatePost(context.Background(), f.workspace, f.post.ID, feedwire.PostPatch{AssigneeID: feedwire.Set(f.author.ID)})
	if fields := problemFields(t, err); !equal(fields, []string{"assigneeId"}) {
		t.Errorf("a contact as assignee: problems on %v, want assigneeId", fields)
	}
	if len(f.events(t)) != before || f.reload(t).AssigneeID != nil {
		t.Error("a refused write changed something")
	}
}

func TestPostUpdated(t *testing.T) {
	f := setupPost(t)
	ctx := context.Background()
	f.clock.Advance(time.Minute)
	if _, err := f.store.UpdatePost(ctx, f.workspace, f.post.ID, feedwire.PostPatch{
		Title: feedwire.Set("Dark mode"), Tags: feedwire.Set([]string{"ui"}), AssigneeID: feedwire.Set(f.admin.ID),
	}); err != nil {
		t.Fatal(err)
	}
	var item webhook.Post
	ev := f.lastEvent(t, &item)
	if ev.Type != "post.updated" || !equal(changedFields(t, ev), []string{"title", "tags", "assigneeId"}) {
		t.Errorf("event %s changes %v", ev.Type, changedFields(t, ev))
	}
	if c := changes(t, ev)[0]; string(c.OldValue) != `"Dark mode?"` || string(c.NewValue) != `"Dark mode"` {
		t.Errorf("title change %s → %s", c.OldValue, c.NewValue)
	}
	before := len(f.events(t))
	if _, err := f.store.UpdatePost(ctx, f.workspace, f.post.ID, feedwire.PostPatch{Title: feedwire.Set("Dark mode")}); err != nil {
		t.Fatal(err)
	}
	if len(f.events(t)) != before {
		t.Error("a PATCH that changed nothing emitted an event")
	}
}

func TestVotes(t *testing.T) {
	f := setupPost(t)
	ctx := context.Background()
	vote := func(u *feedwire.User, action feedwire.VoteAction) int {
		t.Helper()
		p, err := f.store.Vote(ctx, f.workspace, f.post.ID, u.ID, action)
		if err != nil {
			t.Fatal(err)
		}
		return p.Upvotes
	}
	if n := vote(f.author, feedwire.VoteAdd); n != 1 {
		t.Errorf("upvotes %d after a vote", n)
	}
	var item webhook.PostVote
	if ev := f.lastEvent(t, &item); ev.Type != "post.voted" || item.Action != "add" || item.PostID != f.post.ID ||
		item.Voter.Object != "contact" || item.Voter.ID != f.author.ID {
		t.Errorf("vote event %s %+v", ev.Type, item)
	}
	before := len(f.events(t))
	if n := vote(f.author, feedwire.VoteAdd); n != 1 || len(f.events(t)) != before {
		t.Errorf("a second vote: upvotes %d, %d new events; want 1 and none", n, len(f.events(t))-before)
	}
	if n := vote(f.admin, feedwire.VoteAdd); n != 2 {
		t.Errorf("upvotes %d after the admin's vote", n)
	}
	if f.lastEvent(t, &item); item.Voter.Object != "admin" {
		t.Errorf("an admin voter is %q", item.Voter.Object)
	}
	if n := vote(f.author, feedwire.VoteRemove); n != 1 {
		t.Errorf("upvotes %d after a removal", n)
	}
	if f.lastEvent(t, &item); item.Action != "remove" {
		t.Errorf("removal action %q", item.Action)
	}
	before = len(f.events(t))
	if n := vote(f.author, feedwire.VoteRemove); n != 1 || len(f.events(t)) != before {
		t.Errorf("removing a vote twice: upvotes %d, %d new events", n, len(f.events(t))-before)
	}
	if got := f.events(t, "post.updated"); len(got) != 0 {
		t.Errorf("votes emitted %d post.updated", len(got))
	}
}

func TestComments(t *testing.T) {
	f := setupPost(t)
	ctx := context.Background()
	comment := func(parent *string) *feedwire.Comment {
		t.Helper()
		c, err := f.store.CreateComment(ctx, f.workspace, feedwire.CommentInput{
			PostID: f.post.ID, Content: "<p>+1</p>", AuthorID: f.author.ID, ParentCommentID: parent,
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	root := comment(nil)
	var item webhook.Comment
	if ev := f.lastEvent(t, &item); ev.Type != "comment.created" || item.ID != root.ID || item.PostID != f.post.ID ||
		item.ParentCommentID != nil || item.Author == nil || item.Author.ID != f.author.ID {
		t.Errorf("event %s item %+v", ev.Type, item)
	}
	reply := comment(&root.ID)
	replyToReply := comment(&reply.ID)
	if replyToReply.ParentCommentID == nil || *replyToReply.ParentCommentID != root.ID {
		t.Errorf("a reply to a reply has parent %v, want the root %s", replyToReply.ParentCommentID, root.ID)
	}
	if n := f.reload(t).CommentCount; n != 3 {
		t.Errorf("commentCount %d, want 3", n)
	}

	f.clock.Advance(time.Minute)
	if _, err := f.store.UpdateComment(ctx, f.workspace, reply.ID, feedwire.CommentPatch{IsPinned: feedwire.Set(true)}); err != nil {
		t.Fatal(err)
	}
	if ev := f.lastEvent(t, &item); ev.Type != "comment.updated" || !equal(changedFields(t, ev), []string{"isPinned"}) {
		t.Errorf("update emitted %s %v", ev.Type, changedFields(t, ev))
	}

	// Deleting the root takes its replies with it.
	if err := f.store.DeleteComment(ctx, f.workspace, root.ID); err != nil {
		t.Fatal(err)
	}
	if ev := f.lastEvent(t, &item); ev.Type != "comment.deleted" || item.ID != root.ID {
		t.Errorf("delete emitted %s for %s", ev.Type, item.ID)
	}
	if n := f.reload(t).CommentCount; n != 0 {
		t.Errorf("commentCount %d after deleting the thread, want 0", n)
	}

	other, err := f.store.CreatePost(ctx, f.workspace, feedwire.PostInput{Title: "Other", Content: "x", BoardID: f.board.ID, AuthorID: f.author.ID})
	if err != nil {
		t.Fatal(err)
	}
	onOther, err := f.store.CreateComment(ctx, f.workspace, feedwire.CommentInput{PostID: other.ID, Content: "x", AuthorID: f.author.ID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.store.CreateComment(ctx, f.workspace, feedwire.CommentInput{PostID: f.post.ID, Content: "x", AuthorID: f.author.ID, ParentCommentID: &onOther.ID})
	if fields := problemFields(t, err); !equal(fields, []string{"parentCommentId"}) {
		t.Errorf("a parent on another post: problems on %v", fields)
	}
}

func TestPostDeleted(t *testing.T) {
	f := setupPost(t)
	ctx := context.Background()
	if _, err := f.store.CreateComment(ctx, f.workspace, feedwire.CommentInput{PostID: f.post.ID, Content: "x", AuthorID: f.author.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Vote(ctx, f.workspace, f.post.ID, f.author.ID, feedwire.VoteAdd); err != nil {
		t.Fatal(err)
	}
	if err := f.store.DeletePost(ctx, f.workspace, f.post.ID); err != nil {
		t.Fatal(err)
	}
	var item webhook.Post
	if ev := f.lastEvent(t, &item); ev.Type != "post.deleted" || ev.Changes != nil || item.ID != f.post.ID || item.Upvotes != 1 || item.CommentCount != 1 {
		t.Errorf("delete emitted %s with %+v", ev.Type, item)
	}
	if _, err := f.store.Post(ctx, f.workspace, f.post.ID); !errors.Is(err, feedwire.ErrNotFound) {
		t.Errorf("deleted post: %v", err)
	}
	page, err := f.store.Comments(ctx, f.workspace, feedwire.CommentFilter{ListParams: feedwire.ListParams{Limit: 10}})
	if err != nil || len(page.Items) != 0 {
		t.Errorf("the post's comments survived it: %d (%v)", len(page.Items), err)
	}
}

func TestChangelogPublished(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	c, err := f.store.CreateChangelog(ctx, f.workspace, feedwire.ChangelogInput{
		Title: "Dark mode is here", Content: "<p>Yes</p>",
		Categories: []feedwire.ChangelogCategory{{Name: "New", SendEmailNotification: true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.events(t)) != 0 {
		t.Error("a draft emitted an event")
	}
	publish := func(locale string) webhook.Changelog {
		t.Helper()
		f.clock.Advance(time.Minute)
		if _, err := f.store.PublishChangelog(ctx, f.workspace, c.ID, locale); err != nil {
			t.Fatal(err)
		}
		var item webhook.Changelog
		if ev := f.lastEvent(t, &item); ev.Type != "changelog.published" || ev.Changes != nil {
			t.Errorf("publish emitted %s", ev.Type)
		}
		return item
	}
	first := publish("en")
	if !first.FirstPublishInLocale || first.Locale != "en" || len(first.Categories) != 1 || first.Categories[0].ID == "" ||
		!first.Categories[0].SendEmailNotification || !equal(first.PublishedLocales, []string{"en"}) {
		t.Errorf("first publication %+v", first)
	}
	if again := publish("en"); again.FirstPublishInLocale || !again.Date.Equal(first.Date.Time) {
		t.Errorf("second publication in en: first %v, date %v (was %v)", again.FirstPublishInLocale, again.Date, first.Date)
	}
	if fr := publish("pt-BR"); !fr.FirstPublishInLocale || !equal(fr.PublishedLocales, []string{"en", "pt-BR"}) {
		t.Errorf("publication in pt-BR %+v", fr)
	}
	if _, err := f.store.PublishChangelog(ctx, f.workspace, c.ID, "english"); !errors.Is(err, feedwire.ErrInvalid) {
		t.Errorf("a bad locale: %v", err)
	}
}
