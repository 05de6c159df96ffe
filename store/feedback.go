package store

import (
	"context"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

var feedbackTable = harvestrResource[feedwire.Feedback]{
	table: table[feedwire.Feedback]{
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
	},
	insert: `INSERT INTO feedback (id, client_id, workspace_id, starred, score, message_id, discovery_id,
		requester_id, submitter_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	insertArgs: func(f *feedwire.Feedback) []any {
		return []any{f.ID, f.ClientID, f.WorkspaceID, f.Starred, f.Score, f.MessageID, f.DiscoveryID, f.RequesterID,
			f.SubmitterID, millis(f.CreatedAt), millis(f.UpdatedAt)}
	},
	update: `UPDATE feedback SET starred = ?, score = ?, message_id = ?, discovery_id = ?, requester_id = ?,
		submitter_id = ?, updated_at = ? WHERE id = ?`,
	updateArgs: func(f *feedwire.Feedback) []any {
		return []any{f.Starred, f.Score, f.MessageID, f.DiscoveryID, f.RequesterID, f.SubmitterID,
			millis(f.UpdatedAt), f.ID}
	},
	complete: defaultFeedbackPeople,
	checkRefs: func(ctx context.Context, tx *txn, f *feedwire.Feedback) error {
		return checkRefs(ctx, tx, f.WorkspaceID,
			ref{"messageId", "messages", &f.MessageID},
			ref{"discoveryId", "discoveries", &f.DiscoveryID},
			ref{"requesterId", "users", f.RequesterID},
			ref{"submitterId", "users", f.SubmitterID})
	},
	event: wire.FeedbackEvent,
	touch: func(f *feedwire.Feedback, now time.Time) { f.UpdatedAt = now },
}

// defaultFeedbackPeople gives new feedback its message's requester and submitter where
// the create left them out.
func defaultFeedbackPeople(ctx context.Context, tx *txn, f *feedwire.Feedback) error {
	if f.RequesterID != nil && f.SubmitterID != nil {
		return nil
	}
	m, err := messages.get(ctx, tx, f.WorkspaceID, f.MessageID)
	if err != nil {
		return err
	}
	if f.RequesterID == nil {
		f.RequesterID = &m.RequesterID
	}
	if f.SubmitterID == nil {
		f.SubmitterID = &m.SubmitterID
	}
	return nil
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
	if err := feedbackTable.create(ctx, s, workspaceID, &f, now); err != nil {
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
	return feedbackTable.patch(ctx, s, workspaceID, id, p.Apply)
}
