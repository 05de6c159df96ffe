package delivery_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/delivery"
)

// TestUnsnoozerReopens runs the timer on the test clock: nothing happens before the
// snooze ends; once the clock passes it, the conversation reopens by itself, once.
func TestUnsnoozerReopens(t *testing.T) {
	f := setup(t, options{})
	ctx := context.Background()
	c, err := f.store.CreateConversation(ctx, f.workspace, feedwire.ConversationInput{Title: "Help", ContactID: f.user, BodyMarkdown: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	end := f.clock.Now().Add(time.Hour)
	_, err = f.store.UpdateConversation(ctx, f.workspace, c.ID, feedwire.ConversationPatch{
		State: feedwire.Set(feedwire.ConversationSnoozed), SnoozedUntil: feedwire.Set(end)})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	u := delivery.NewUnsnoozer(f.store, slog.New(slog.NewTextHandler(io.Discard, nil)), f.clock.Now)
	go func() { done <- u.Run(runCtx) }()
	defer func() {
		stop()
		<-done
	}()

	state := func() feedwire.ConversationState {
		got, err := f.store.Conversation(ctx, f.workspace, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.State
	}
	if n := u.Unsnooze(ctx); n != 0 || state() != feedwire.ConversationSnoozed {
		t.Fatalf("before the snooze ended, %d conversations reopened", n)
	}
	f.clock.Advance(time.Hour)
	deadline := time.Now().Add(5 * time.Second)
	for state() != feedwire.ConversationOpen {
		if time.Now().After(deadline) {
			t.Fatal("the conversation was not reopened within 5s of its snooze ending")
		}
		time.Sleep(10 * time.Millisecond)
	}
	page, err := f.store.Events(ctx, f.workspace, feedwire.EventFilter{ListParams: feedwire.ListParams{Limit: 10},
		Types: []feedwire.EventType{"conversation.admin.unsnoozed"}})
	if err != nil || len(page.Items) != 1 {
		t.Errorf("got %d unsnoozed events (%v), want 1", len(page.Items), err)
	}
}
