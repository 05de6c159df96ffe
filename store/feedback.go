package store

import (
	"context"
	"fmt"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

var feedbackTable = table[feedwire.Feedback]{
	name:    "feedback",
	what:    "feedback",
	columns: "id, client_id, workspace_id, starred, score, message_id, discovery_id, requester_id, submitter_id, created_at, updated_at",
	scan: func(row scanner) (*feedwire.Feedback, error) {
		var f feedwire.Feedback
		err := row.Scan(&f.ID, &f.ClientID, &f.WorkspaceID, &f.Starred, &f.Score, &f.MessageID, &f.DiscoveryID,
			&f.RequesterID, &f.SubmitterID, timeColumn{&f.CreatedAt}, timeColumn{&f.UpdatedAt})
		return &f, err
	},
	id: func(f *feedwire.Feedback) string { return f.ID },
}

// CreateFeedback stores new feedback and its FEEDBACK_CREATED event. A requester or
// submitter left out is the message's.
func (s *Store) CreateFeedback(ctx context.Context, workspaceID string, in feedwire.FeedbackInput) (*feedwire.Feedback, error) {
	f := in.Feedback()
	if err := f.Validate(); err != nil {
		return nil, err
	}
	now := s.clock()
	f.ID, f.ClientID, f.WorkspaceID, f.CreatedAt, f.UpdatedAt = newID(now), newClientID("fb_"), workspaceID, now, now
	err := s.inTx(ctx, func(tx *txn) error {
		if err := checkFeedbackRefs(ctx, tx, &f); err != nil {
			return err
		}
		m, err := messages.get(ctx, tx, workspaceID, f.MessageID)
		if err != nil {
			return err
		}
		if f.RequesterID == nil {
			f.RequesterID = &m.RequesterID
		}
		if f.SubmitterID == nil {
			f.SubmitterID = &m.SubmitterID
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO feedback (id, client_id, workspace_id, starred, score, message_id,
			discovery_id, requester_id, submitter_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.ID, f.ClientID, f.WorkspaceID, f.Starred, f.Score, f.MessageID, f.DiscoveryID, f.RequesterID,
			f.SubmitterID, millis(f.CreatedAt), millis(f.UpdatedAt))
		if err != nil {
			return fmt.Errorf("insert feedback: %w", err)
		}
		ev, err := wire.FeedbackEvent(nil, &f)
		if err != nil {
			return err
		}
		return recordEvent(ctx, tx, ev, workspaceID, f.ID, now)
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// Feedback returns one feedback of the workspace.
func (s *Store) Feedback(ctx context.Context, workspaceID, id string) (*feedwire.Feedback, error) {
	return feedbackTable.get(ctx, s.read, workspaceID, id)
}

// FeedbackList returns one page of the workspace's feedback, newest first.
func (s *Store) FeedbackList(ctx context.Context, workspaceID string, p feedwire.ListParams) (*feedwire.Page[feedwire.Feedback], error) {
	return feedbackTable.list(ctx, s.read, workspaceID, p, "")
}

// UpdateFeedback applies a patch and stores the FEEDBACK_UPDATED event it causes. A patch
// that changes nothing writes nothing and emits nothing.
func (s *Store) UpdateFeedback(ctx context.Context, workspaceID, id string, p feedwire.FeedbackPatch) (*feedwire.Feedback, error) {
	var out *feedwire.Feedback
	err := s.inTx(ctx, func(tx *txn) error {
		before, err := feedbackTable.get(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		after := *before
		if err := p.Apply(&after); err != nil {
			return err
		}
		now := s.clock()
		after.UpdatedAt = now
		ev, err := wire.FeedbackEvent(before, &after)
		if err != nil || ev == nil {
			out = before
			return err
		}
		if err := checkFeedbackRefs(ctx, tx, &after); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE feedback SET starred = ?, score = ?, message_id = ?, discovery_id = ?,
			requester_id = ?, submitter_id = ?, updated_at = ? WHERE id = ?`,
			after.Starred, after.Score, after.MessageID, after.DiscoveryID, after.RequesterID, after.SubmitterID,
			millis(after.UpdatedAt), after.ID)
		if err != nil {
			return fmt.Errorf("update feedback: %w", err)
		}
		out = &after
		return recordEvent(ctx, tx, ev, workspaceID, after.ID, now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func checkFeedbackRefs(ctx context.Context, tx *txn, f *feedwire.Feedback) error {
	return checkRefs(ctx, tx, f.WorkspaceID,
		ref{"messageId", "messages", &f.MessageID},
		ref{"discoveryId", "discoveries", &f.DiscoveryID},
		ref{"requesterId", "users", f.RequesterID},
		ref{"submitterId", "users", f.SubmitterID})
}
