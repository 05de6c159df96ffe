package store

import (
	"context"
	"fmt"
	"time"

	"github.com/feedwire/feedwire"
)

// harvestrResource is how a harvestr resource (message, discovery, component, feedback)
// is written. The four are written the same way, every create and every update that
// changes something committing the row and its event together; they differ only in
// their columns, their references and their event, which this holds.
type harvestrResource[T any] struct {
	table[T]
	insert     string // INSERT with a placeholder for each of insertArgs
	insertArgs func(*T) []any
	update     string // UPDATE … WHERE id = ?, with a placeholder for each of updateArgs
	updateArgs func(*T) []any
	// complete, when set, fills in what a create left out from what the database holds,
	// once checkRefs has found the references good.
	complete func(ctx context.Context, tx *txn, v *T) error
	// checkRefs refuses references to what the workspace does not have (422).
	checkRefs func(ctx context.Context, tx *txn, v *T) error
	// event is the event of a change from before to after (before is nil for a create),
	// or nil when the change is none.
	event func(before, after *T) (*feedwire.Event, error)
	// touch sets the resource's updatedAt.
	touch func(v *T, now time.Time)
}

// create stores v, whose ids and times are set, and its created event.
func (r harvestrResource[T]) create(ctx context.Context, s *Store, workspaceID string, v *T, now time.Time) error {
	return s.insertTx(ctx, func(tx *txn) error {
		if err := r.checkRefs(ctx, tx, v); err != nil {
			return err
		}
		if r.complete != nil {
			if err := r.complete(ctx, tx, v); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, r.insert, r.insertArgs(v)...); err != nil {
			return fmt.Errorf("insert %s: %w", r.what, err)
		}
		ev, err := r.event(nil, v)
		if err != nil {
			return err
		}
		return recordEvent(ctx, tx, ev, workspaceID, r.id(v), now)
	})
}

// patch applies a patch to the resource with that id and stores the updated event it
// causes. A patch that changes nothing writes nothing and emits nothing.
func (r harvestrResource[T]) patch(ctx context.Context, s *Store, workspaceID, id string, apply func(*T) error) (*T, error) {
	var out *T
	err := s.inTx(ctx, func(tx *txn) error {
		before, err := r.get(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		after := *before
		if err := apply(&after); err != nil {
			return err
		}
		now := s.clock()
		r.touch(&after, now)
		ev, err := r.event(before, &after)
		if err != nil || ev == nil {
			out = before
			return err
		}
		if err := r.checkRefs(ctx, tx, &after); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, r.update, r.updateArgs(&after)...); err != nil {
			return fmt.Errorf("update %s: %w", r.what, err)
		}
		out = &after
		return recordEvent(ctx, tx, ev, workspaceID, id, now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
