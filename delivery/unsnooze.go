package delivery

import (
	"context"
	"log/slog"
	"time"
)

// UnsnoozeStore is the part of the store the unsnooze timer works on.
type UnsnoozeStore interface {
	UnsnoozeDue(ctx context.Context, now time.Time) (int, error)
	NextSnoozeEnd(ctx context.Context) (time.Time, bool, error)
}

// maxUnsnoozeWait bounds how long the timer sleeps: a snooze set while it sleeps ends
// at most this late.
const maxUnsnoozeWait = time.Second

// Unsnoozer reopens snoozed conversations when their snooze ends, with no request:
// each emits conversation.admin.unsnoozed. The store reopens a conversation once even
// if several timers run.
type Unsnoozer struct {
	store  UnsnoozeStore
	logger *slog.Logger
	now    func() time.Time
}

// NewUnsnoozer returns an unsnooze timer on the store's conversations.
func NewUnsnoozer(s UnsnoozeStore, logger *slog.Logger, now func() time.Time) *Unsnoozer {
	return &Unsnoozer{store: s, logger: logger, now: now}
}

// Run reopens conversations as their snoozes end, until ctx is done.
func (u *Unsnoozer) Run(ctx context.Context) error {
	for {
		u.Unsnooze(ctx)
		timer := time.NewTimer(u.wait(ctx))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
	}
}

// Unsnooze reopens the conversations whose snooze has ended.
func (u *Unsnoozer) Unsnooze(ctx context.Context) {
	n, err := u.store.UnsnoozeDue(ctx, u.now())
	if err != nil && ctx.Err() == nil {
		u.logger.Error("unsnooze conversations", "error", err)
	}
	if n > 0 {
		u.logger.Info("unsnoozed conversations", "conversations", n)
	}
}

// wait is how long to sleep: until the next snooze ends, at most maxUnsnoozeWait.
func (u *Unsnoozer) wait(ctx context.Context) time.Duration {
	next, ok, err := u.store.NextSnoozeEnd(ctx)
	if err != nil || !ok {
		return maxUnsnoozeWait
	}
	return min(max(next.Sub(u.now()), time.Millisecond), maxUnsnoozeWait)
}
