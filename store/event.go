package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

var events = table[feedwire.Event]{
	name:    "events",
	what:    "event",
	columns: "id, workspace_id, type, resource_type, resource_id, data, changes, conversation_id, conversation_url, created_at",
	scan: func(row scanner) (*feedwire.Event, error) {
		var e feedwire.Event
		var data string
		var changes, conversationID, conversationURL *string
		err := row.Scan(&e.ID, &e.WorkspaceID, &e.Type, &e.ResourceType, &e.ResourceID, &data, &changes,
			&conversationID, &conversationURL, timeColumn{&e.CreatedAt})
		if err != nil {
			return nil, err
		}
		e.Data = []byte(data)
		if changes != nil {
			e.Changes = []byte(*changes)
		}
		e.ConversationID, e.ConversationURL = deref(conversationID), deref(conversationURL)
		return &e, nil
	},
	id: func(e *feedwire.Event) string { return e.ID },
}

// recordEvent stores ev, the change that the write at time at made to the resource with
// that id, and queues its deliveries, in the write's transaction. A nil ev (an update
// that changed nothing) records nothing.
func recordEvent(ctx context.Context, tx *txn, ev *feedwire.Event, workspaceID, resourceID string, at time.Time) error {
	if ev == nil {
		return nil
	}
	id, err := newEventID()
	if err != nil {
		return fmt.Errorf("record event: %w", err)
	}
	ev.ID, ev.WorkspaceID, ev.ResourceID, ev.CreatedAt = id, workspaceID, resourceID, at
	if err := checkEventSize(ev); err != nil {
		return err
	}
	if err := insertEvent(ctx, tx, ev, false); err != nil {
		return fmt.Errorf("record event: %w", err)
	}
	tx.events = append(tx.events, ev.Type)
	return queueDeliveries(ctx, tx, ev)
}

// checkEventSize refuses an event whose delivered body would be larger than
// feedwire.MaxEventSize. It runs in the write's transaction, so the refusal rolls the
// write back: nothing is stored that could not be delivered.
func checkEventSize(ev *feedwire.Event) error {
	// Data and changes are almost all of a body. Far below the limit they tell enough;
	// near it, the body is built exactly as a delivery sends it, with a webhook id of
	// the real length, since the event log's payload leaves that id empty.
	if len(ev.Data)+len(ev.Changes)+len(ev.ConversationURL) <= feedwire.MaxEventSize/2 {
		return nil
	}
	body, err := wire.Body(envelopeID(ev.ID, ev.Type), newObjectID(ev.CreatedAt), ev)
	if err != nil {
		return fmt.Errorf("record event: %w", err)
	}
	if len(body) > feedwire.MaxEventSize {
		return feedwire.TooLarge("the %s event of this write would be %d bytes, and an event is at most %d bytes; "+
			"shorten the longest fields (an update event carries a changed field's old and new value)",
			ev.Type, len(body), feedwire.MaxEventSize)
	}
	return nil
}

// insertEvent stores ev as it is; test events are left out of the event log.
func insertEvent(ctx context.Context, tx *txn, ev *feedwire.Event, test bool) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO events (id, workspace_id, type, resource_type, resource_id, data,
		changes, conversation_id, conversation_url, created_at, test) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.ID, ev.WorkspaceID, ev.Type, ev.ResourceType, ev.ResourceID, string(ev.Data), nullText(ev.Changes),
		nullZero(ev.ConversationID), nullZero(ev.ConversationURL), millis(ev.CreatedAt), test)
	return err
}

// Event returns one event of the workspace, test events included.
func (s *Store) Event(ctx context.Context, workspaceID, id string) (*feedwire.Event, error) {
	return events.get(ctx, s.read, workspaceID, id)
}

// Events returns one page of the workspace's events, newest first, without test events.
func (s *Store) Events(ctx context.Context, workspaceID string, f feedwire.EventFilter) (*feedwire.Page[feedwire.Event], error) {
	var where strings.Builder
	where.WriteString("AND test = FALSE ")
	var args []any
	if len(f.Types) > feedwire.MaxFilterValues {
		// Each type is a query parameter, and SQLite takes at most 32,766 of them.
		return nil, feedwire.Invalid("query.type", fmt.Sprintf("must name at most %d event types", feedwire.MaxFilterValues))
	}
	if len(f.Types) > 0 {
		where.WriteString("AND type IN (?" + strings.Repeat(", ?", len(f.Types)-1) + ") ")
		for _, t := range f.Types {
			args = append(args, t)
		}
	}
	if !f.Since.IsZero() {
		where.WriteString("AND created_at >= ? ")
		args = append(args, millis(f.Since))
	}
	if !f.Until.IsZero() {
		where.WriteString("AND created_at < ? ")
		args = append(args, millis(f.Until))
	}
	if f.ResourceID != "" {
		where.WriteString("AND resource_id = ? ")
		args = append(args, f.ResourceID)
	}
	return events.list(ctx, s.read, workspaceID, f.ListParams, where.String(), args...)
}

// EventsAfter returns up to limit of the workspace's events with ids after afterID,
// oldest first, without test events. Event ids are UUIDv7s, so this is the event log in
// the order of the events' times, read by the index on (workspace_id, id).
func (s *Store) EventsAfter(ctx context.Context, workspaceID, afterID string, limit int) ([]feedwire.Event, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+events.columns+` FROM events
		WHERE workspace_id = ? AND id > ? AND test = FALSE ORDER BY id LIMIT ?`, workspaceID, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	var list []feedwire.Event
	for rows.Next() {
		ev, err := events.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		list = append(list, *ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return list, nil
}
