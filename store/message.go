package store

import (
	"context"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

var messages = harvestrResource[feedwire.Message]{
	table: table[feedwire.Message]{
		name: "messages",
		what: "message",
		columns: `id, client_id, workspace_id, title, content, channel, read, updated, archived, bin,
			requester_id, submitter_id, assignee_id, received_at, integration_url, integration_id, created_at, updated_at`,
		scan: func(row scanner) (*feedwire.Message, error) {
			var m feedwire.Message
			err := row.Scan(&m.ID, &m.ClientID, &m.WorkspaceID, &m.Title, &m.Content, &m.Channel,
				&m.Read, &m.Updated, &m.Archived, &m.Bin, &m.RequesterID, &m.SubmitterID, &m.AssigneeID,
				nullTimeColumn{&m.ReceivedAt}, &m.IntegrationURL, &m.IntegrationID,
				timeColumn{&m.CreatedAt}, timeColumn{&m.UpdatedAt})
			return &m, err
		},
		id: func(m *feedwire.Message) string { return m.ID },
	},
	insert: `INSERT INTO messages (id, client_id, workspace_id, title, content, channel, read, updated, archived,
		bin, requester_id, submitter_id, assignee_id, received_at, integration_url, integration_id, created_at,
		updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	insertArgs: func(m *feedwire.Message) []any {
		return []any{m.ID, m.ClientID, m.WorkspaceID, m.Title, m.Content, m.Channel, m.Read, m.Updated, m.Archived,
			m.Bin, m.RequesterID, m.SubmitterID, m.AssigneeID, nullMillis(m.ReceivedAt), m.IntegrationURL,
			m.IntegrationID, millis(m.CreatedAt), millis(m.UpdatedAt)}
	},
	update: `UPDATE messages SET title = ?, content = ?, channel = ?, read = ?, updated = ?, archived = ?, bin = ?,
		requester_id = ?, submitter_id = ?, assignee_id = ?, received_at = ?, integration_url = ?,
		integration_id = ?, updated_at = ? WHERE id = ?`,
	updateArgs: func(m *feedwire.Message) []any {
		return []any{m.Title, m.Content, m.Channel, m.Read, m.Updated, m.Archived, m.Bin, m.RequesterID,
			m.SubmitterID, m.AssigneeID, nullMillis(m.ReceivedAt), m.IntegrationURL, m.IntegrationID,
			millis(m.UpdatedAt), m.ID}
	},
	checkRefs: func(ctx context.Context, tx *txn, m *feedwire.Message) error {
		return checkRefs(ctx, tx, m.WorkspaceID,
			ref{"requesterId", "users", &m.RequesterID},
			ref{"submitterId", "users", &m.SubmitterID},
			ref{"assigneeId", "users", m.AssigneeID})
	},
	event: wire.MessageEvent,
	touch: func(m *feedwire.Message, now time.Time) { m.UpdatedAt = now },
}

// CreateMessage stores a new message and its MESSAGE_CREATED event.
func (s *Store) CreateMessage(ctx context.Context, workspaceID string, in feedwire.MessageInput) (*feedwire.Message, error) {
	m := in.Message()
	if err := m.Validate(); err != nil {
		return nil, err
	}
	now := s.clock()
	m.ID, m.ClientID, m.WorkspaceID, m.CreatedAt, m.UpdatedAt = newID(now), newClientID("msg_"), workspaceID, now, now
	if err := messages.create(ctx, s, workspaceID, &m, now); err != nil {
		return nil, err
	}
	return &m, nil
}

// Message returns one message of the workspace.
func (s *Store) Message(ctx context.Context, workspaceID, id string) (*feedwire.Message, error) {
	return messages.get(ctx, s.read, workspaceID, id)
}

// Messages returns one page of the workspace's messages, newest first.
func (s *Store) Messages(ctx context.Context, workspaceID string, p feedwire.ListParams) (*feedwire.Page[feedwire.Message], error) {
	return messages.list(ctx, s.read, workspaceID, p, "")
}

// UpdateMessage applies a patch and stores the MESSAGE_UPDATED event it causes. A patch
// that changes nothing writes nothing and emits nothing.
func (s *Store) UpdateMessage(ctx context.Context, workspaceID, id string, p feedwire.MessagePatch) (*feedwire.Message, error) {
	return messages.patch(ctx, s, workspaceID, id, p.Apply)
}
