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

// Run reopens conversations as their snoozes end, until ctx is done. It takes the
// write lock only when a snooze has ended: the read that finds the next end is cheap.
func (u *Unsnoozer) Run(ctx context.Context) error {
	for {
		wait := maxUnsnoozeWait
		next, ok, err := u.store.NextSnoozeEnd(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			u.logger.Error("find the next snooze end", "error", err)
		case ok && !next.After(u.now()):
			if u.Unsnooze(ctx) > 0 {
				continue // more may have ended
			}
			// Nothing reopened though one was due: an error, logged; try again later.
		case ok:
			wait = min(next.Sub(u.now()), maxUnsnoozeWait)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
	}
}

// Unsnooze reopens the conversations whose snooze has ended and returns how many.
func (u *Unsnoozer) Unsnooze(ctx context.Context) int {
	n, err := u.store.UnsnoozeDue(ctx, u.now())
	if err != nil && ctx.Err() == nil {
		u.logger.Error("unsnooze conversations", "error", err)
	}
	if n > 0 {
		u.logger.Info("unsnoozed conversations", "conversations", n)
	}
	return n
}
