package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

var conversations = table[feedwire.Conversation]{
	name: "conversations",
	what: "conversation",
	columns: `id, workspace_id, title, state, snoozed_until, priority, priority_set_at, admin_assignee_id,
		team_assignee_id, participants, read_receipts, bot_state, bot_state_updated_at, last_activity_at,
		waiting_since, source_part_id, created_at, updated_at`,
	scan: func(row scanner) (*feedwire.Conversation, error) {
		var c feedwire.Conversation
		var participants, receipts, sourceID string
		err := row.Scan(&c.ID, &c.WorkspaceID, &c.Title, &c.State, nullTimeColumn{&c.SnoozedUntil}, &c.Priority,
			nullTimeColumn{&c.PrioritySetAt}, &c.AdminAssigneeID, &c.TeamAssigneeID, &participants, &receipts,
			&c.BotState, nullTimeColumn{&c.BotStateUpdatedAt}, timeColumn{&c.LastActivityAt},
			nullTimeColumn{&c.WaitingSince}, &sourceID, timeColumn{&c.CreatedAt}, timeColumn{&c.UpdatedAt})
		if err != nil {
			return nil, err
		}
		if c.Participants, err = decodeParticipants(participants); err != nil {
			return nil, err
		}
		if c.ReadReceipts, err = decodeReceipts(receipts); err != nil {
			return nil, err
		}
		// The source is read by loadSource; until then it holds only its id.
		c.Source = &feedwire.ConversationPart{ID: sourceID}
		return &c, nil
	},
	id: func(c *feedwire.Conversation) string { return c.ID },
}

// partColumns reads a part with its author's name and type as they were when it was
// written.
const partColumns = `p.id, p.workspace_id, p.conversation_id, p.part_type, p.author_id, p.author_name,
	p.author_type, p.body_markdown, p.redacted, p.created_at, p.updated_at FROM conversation_parts p`

func scanPart(row scanner) (*feedwire.ConversationPart, error) {
	var p feedwire.ConversationPart
	err := row.Scan(&p.ID, &p.WorkspaceID, &p.ConversationID, &p.Type, &p.Author.ID, &p.Author.Name, &p.Author.Type,
		&p.BodyMarkdown, &p.Redacted, timeColumn{&p.CreatedAt}, timeColumn{&p.UpdatedAt})
	return &p, err
}

// getConversation reads a conversation of the workspace with its source part.
func getConversation(ctx context.Context, q querier, workspaceID, id string) (*feedwire.Conversation, error) {
	c, err := conversations.get(ctx, q, workspaceID, id)
	if err != nil {
		return nil, err
	}
	return c, loadSource(ctx, q, c)
}

func loadSource(ctx context.Context, q querier, c *feedwire.Conversation) error {
	source, err := scanPart(q.QueryRowContext(ctx, `SELECT `+partColumns+` WHERE p.id = ?`, c.Source.ID))
	if err != nil {
		return fmt.Errorf("conversation %s: source: %w", c.ID, err)
	}
	c.Source = source
	return nil
}

// CreateConversation stores a conversation a contact starts, with its first part, and
// emits conversation.user.created.
func (s *Store) CreateConversation(ctx context.Context, workspaceID string, in feedwire.ConversationInput) (*feedwire.Conversation, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	now := s.clock()
	var out *feedwire.Conversation
	err := s.inTx(ctx, func(tx *txn) error {
		contact, err := getUser(ctx, tx, workspaceID, "contactId", in.ContactID)
		if err != nil {
			return err
		}
		if !contact.Type.IsContact() {
			return feedwire.Invalid("contactId", fmt.Sprintf("user %s is of type %s: conversations are started by contacts (customers and leads)", contact.ID, contact.Type))
		}
		part := &feedwire.ConversationPart{
			ID: newObjectID(now), WorkspaceID: workspaceID, Type: feedwire.PartUserMessage,
			Author:       feedwire.PartAuthor{ID: contact.ID, Name: contact.Name, Type: contact.Type},
			BodyMarkdown: in.BodyMarkdown, CreatedAt: now, UpdatedAt: now,
		}
		c := &feedwire.Conversation{
			ID: newObjectID(now), WorkspaceID: workspaceID, Title: in.Title, State: feedwire.ConversationOpen,
			Participants: []feedwire.Participant{{UserID: contact.ID, Type: contact.Type}},
			ReadReceipts: []feedwire.ReadReceipt{}, LastActivityAt: now, WaitingSince: &now,
			Source: part, CreatedAt: now, UpdatedAt: now,
		}
		if in.BotState != nil {
			state := *in.BotState
			c.BotState, c.BotStateUpdatedAt = &state, &now
		}
		part.ConversationID = c.ID
		if err := insertConversation(ctx, tx, c); err != nil {
			return err
		}
		if err := insertPart(ctx, tx, part); err != nil {
			return err
		}
		out = c
		return s.recordConversationEvent(ctx, tx, "conversation.user.created", nil, c, now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Conversation returns one conversation of the workspace.
func (s *Store) Conversation(ctx context.Context, workspaceID, id string) (*feedwire.Conversation, error) {
	return getConversation(ctx, s.read, workspaceID, id)
}

// Conversations returns one page of the workspace's conversations, newest first.
func (s *Store) Conversations(ctx context.Context, workspaceID string, p feedwire.ListParams) (*feedwire.Page[feedwire.Conversation], error) {
	page, err := conversations.list(ctx, s.read, workspaceID, p, "")
	if err != nil {
		return nil, err
	}
	for i := range page.Items {
		if err := loadSource(ctx, s.read, &page.Items[i]); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// UpdateConversation applies an admin's patch as its transitions, each emitting its
// topic, in one transaction. A patch that changes nothing writes nothing.
func (s *Store) UpdateConversation(ctx context.Context, workspaceID, id string, p feedwire.ConversationPatch) (*feedwire.Conversation, error) {
	var out *feedwire.Conversation
	err := s.inTx(ctx, func(tx *txn) error {
		c, err := getConversation(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		if p.AdminAssigneeID.Set && !p.AdminAssigneeID.Null {
			admin, err := getUser(ctx, tx, workspaceID, "adminAssigneeId", p.AdminAssigneeID.Value)
			if err != nil {
				return err
			}
			if admin.Type != feedwire.UserAdmin {
				return feedwire.Invalid("adminAssigneeId", fmt.Sprintf("user %s is a %s, not an admin", admin.ID, admin.Type))
			}
		}
		now := s.clock()
		steps, err := p.Transitions(*c, now)
		if err != nil {
			return err
		}
		out = c
		before := c
		for _, step := range steps {
			after := step.After
			if err := s.recordConversationEvent(ctx, tx, step.Topic, before, &after, now); err != nil {
				return err
			}
			before, out = &after, &after
		}
		if len(steps) == 0 {
			return nil
		}
		return writeConversation(ctx, tx, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteConversation deletes a conversation and its parts and emits
// conversation.deleted with the conversation as it was.
func (s *Store) DeleteConversation(ctx context.Context, workspaceID, id string) error {
	return s.inTx(ctx, func(tx *txn) error {
		c, err := getConversation(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM conversations WHERE id = ?`, c.ID); err != nil {
			return fmt.Errorf("delete conversation: %w", err)
		}
		return s.recordConversationEvent(ctx, tx, "conversation.deleted", nil, c, s.clock())
	})
}

// AddPart stores a message or note and emits conversation.user.replied,
// conversation.admin.replied or conversation.admin.noted. The conversation's activity
// moves with it, but its state does not: a contact's reply to a closed conversation
// waits there until an admin opens it.
func (s *Store) AddPart(ctx context.Context, workspaceID, conversationID string, in feedwire.PartInput) (*feedwire.ConversationPart, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *feedwire.ConversationPart
	err := s.inTx(ctx, func(tx *txn) error {
		c, err := getConversation(ctx, tx, workspaceID, conversationID)
		if err != nil {
			return err
		}
		if err := lockParent(ctx, tx, "conversations", c.ID); err != nil {
			return err
		}
		author, err := getUser(ctx, tx, workspaceID, "authorId", in.AuthorID)
		if err != nil {
			return err
		}
		topic, err := feedwire.PartTopic(in.Type, author.Type)
		if err != nil {
			return err
		}
		now := s.clock()
		part := &feedwire.ConversationPart{
			ID: newObjectID(now), WorkspaceID: workspaceID, ConversationID: c.ID, Type: in.Type,
			Author:       feedwire.PartAuthor{ID: author.ID, Name: author.Name, Type: author.Type},
			BodyMarkdown: in.BodyMarkdown, CreatedAt: now, UpdatedAt: now,
		}
		if err := insertPart(ctx, tx, part); err != nil {
			return err
		}
		c.AddPart(in.Type, author.Type, now)
		if err := writeConversation(ctx, tx, c); err != nil {
			return err
		}
		out = part
		return s.recordPartEvent(ctx, tx, topic, part, now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Parts returns every part of a conversation, oldest first.
func (s *Store) Parts(ctx context.Context, workspaceID, conversationID string) ([]feedwire.ConversationPart, error) {
	if _, err := conversations.get(ctx, s.read, workspaceID, conversationID); err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+partColumns+` WHERE p.conversation_id = ? ORDER BY p.id`, conversationID)
	if err != nil {
		return nil, fmt.Errorf("list parts: %w", err)
	}
	defer rows.Close()
	parts := []feedwire.ConversationPart{}
	for rows.Next() {
		p, err := scanPart(rows)
		if err != nil {
			return nil, fmt.Errorf("list parts: %w", err)
		}
		parts = append(parts, *p)
	}
	return parts, rows.Err()
}

// RedactPart empties a part's body for good and emits conversation_part.redacted.
// Redacting it again is an ErrConflict error.
func (s *Store) RedactPart(ctx context.Context, workspaceID, conversationID, partID string) (*feedwire.ConversationPart, error) {
	var out *feedwire.ConversationPart
	err := s.inTx(ctx, func(tx *txn) error {
		if _, err := conversations.get(ctx, tx, workspaceID, conversationID); err != nil {
			return err
		}
		p, err := scanPart(tx.QueryRowContext(ctx, `SELECT `+partColumns+` WHERE p.id = ? AND p.conversation_id = ?`,
			partID, conversationID))
		if errors.Is(err, sql.ErrNoRows) {
			return feedwire.NotFound("no part with id %q in conversation %s", partID, conversationID)
		}
		if err != nil {
			return fmt.Errorf("get part: %w", err)
		}
		if p.Redacted {
			return feedwire.Conflict("part %s is already redacted", partID)
		}
		if p.Type == feedwire.PartBotMessage {
			// conversation_part.redacted announces "any human message part variant".
			return feedwire.Conflict("part %s is a bot's message; only parts people wrote can be redacted", partID)
		}
		now := s.clock()
		p.Redacted, p.BodyMarkdown, p.UpdatedAt = true, "", now
		if _, err := tx.ExecContext(ctx, `UPDATE conversation_parts SET redacted = TRUE, body_markdown = '', updated_at = ?
			WHERE id = ?`, millis(now), p.ID); err != nil {
			return fmt.Errorf("redact part: %w", err)
		}
		out = p
		return s.recordPartEvent(ctx, tx, "conversation_part.redacted", p, now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AttachParticipant adds a user to a conversation and emits
// conversation.contact.attached.
func (s *Store) AttachParticipant(ctx context.Context, workspaceID, conversationID, userID string) (*feedwire.Conversation, error) {
	return s.changeConversation(ctx, workspaceID, conversationID, "conversation.contact.attached",
		func(tx *txn, c *feedwire.Conversation, now time.Time) error {
			u, err := getUser(ctx, tx, workspaceID, "userId", userID)
			if err != nil {
				return err
			}
			if !u.Type.IsContact() {
				// The topic is conversation.contact.attached: participants are contacts.
				return feedwire.Invalid("userId", fmt.Sprintf("user %s is of type %s: only contacts (customers and leads) are added as participants", u.ID, u.Type))
			}
			return c.Attach(u, now)
		})
}

// DetachParticipant removes a user from a conversation and emits
// conversation.contact.detached.
func (s *Store) DetachParticipant(ctx context.Context, workspaceID, conversationID, userID string) (*feedwire.Conversation, error) {
	return s.changeConversation(ctx, workspaceID, conversationID, "conversation.contact.detached",
		func(tx *txn, c *feedwire.Conversation, now time.Time) error {
			// A user the workspace does not have is not found, like any id it does not
			// have; one that it has but the conversation does not is a conflict.
			if _, err := users.get(ctx, tx, workspaceID, userID); err != nil {
				return err
			}
			return c.Detach(userID, now)
		})
}

// MarkRead records a read receipt and emits conversation.read.
func (s *Store) MarkRead(ctx context.Context, workspaceID, conversationID, userID string) (*feedwire.Conversation, error) {
	return s.changeConversation(ctx, workspaceID, conversationID, "conversation.read",
		func(tx *txn, c *feedwire.Conversation, now time.Time) error {
			if _, err := getUser(ctx, tx, workspaceID, "userId", userID); err != nil {
				return err
			}
			c.MarkRead(userID, now)
			return nil
		})
}

// changeConversation applies change to a conversation and stores it with the event of
// topic, in one transaction.
func (s *Store) changeConversation(ctx context.Context, workspaceID, id string, topic feedwire.EventType,
	change func(tx *txn, c *feedwire.Conversation, now time.Time) error) (*feedwire.Conversation, error) {
	var out *feedwire.Conversation
	err := s.inTx(ctx, func(tx *txn) error {
		before, err := getConversation(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		after := *before
		now := s.clock()
		if err := change(tx, &after, now); err != nil {
			return err
		}
		if err := writeConversation(ctx, tx, &after); err != nil {
			return err
		}
		out = &after
		return s.recordConversationEvent(ctx, tx, topic, before, &after, now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UnsnoozeDue reopens every snoozed conversation whose snooze ended by now, each with
// its conversation.admin.unsnoozed, and returns how many it reopened. The read and the
// writes share one write transaction, so a conversation is reopened once however many
// timers run.
func (s *Store) UnsnoozeDue(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *txn) error {
		rows, err := tx.QueryContext(ctx, `SELECT workspace_id, id FROM conversations
			WHERE state = 'snoozed' AND snoozed_until <= ? ORDER BY snoozed_until LIMIT 100`, millis(now))
		if err != nil {
			return fmt.Errorf("find ended snoozes: %w", err)
		}
		var due [][2]string
		for rows.Next() {
			var workspaceID, id string
			if err := rows.Scan(&workspaceID, &id); err != nil {
				rows.Close()
				return fmt.Errorf("find ended snoozes: %w", err)
			}
			due = append(due, [2]string{workspaceID, id})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("find ended snoozes: %w", err)
		}
		for _, d := range due {
			before, err := getConversation(ctx, tx, d[0], d[1])
			if err != nil {
				return err
			}
			after := *before
			after.Unsnooze(now)
			if err := writeConversation(ctx, tx, &after); err != nil {
				return err
			}
			if err := s.recordConversationEvent(ctx, tx, "conversation.admin.unsnoozed", before, &after, now); err != nil {
				return err
			}
		}
		n = len(due)
		return nil
	})
	return n, err
}

// NextSnoozeEnd returns when the soonest snooze ends, and false when none is snoozed.
func (s *Store) NextSnoozeEnd(ctx context.Context) (time.Time, bool, error) {
	var next *int64
	err := s.read.QueryRowContext(ctx, `SELECT min(snoozed_until) FROM conversations WHERE state = 'snoozed'`).Scan(&next)
	if err != nil || next == nil {
		return time.Time{}, false, err
	}
	return time.UnixMilli(*next), true, nil
}

// recordConversationEvent records the event of a conversation-level topic.
func (s *Store) recordConversationEvent(ctx context.Context, tx *txn, topic feedwire.EventType, before, after *feedwire.Conversation, now time.Time) error {
	ev, err := wire.ConversationEvent(topic, before, after, s.conversationURL(after.ID))
	if err != nil {
		return err
	}
	return recordEvent(ctx, tx, ev, after.WorkspaceID, after.ID, now)
}

// recordPartEvent records the event of a message-level topic.
func (s *Store) recordPartEvent(ctx context.Context, tx *txn, topic feedwire.EventType, p *feedwire.ConversationPart, now time.Time) error {
	ev, err := wire.PartEvent(topic, p, s.conversationURL(p.ConversationID))
	if err != nil {
		return err
	}
	return recordEvent(ctx, tx, ev, p.WorkspaceID, p.ID, now)
}

// conversationURL is the dashboard link of a conversation that its topics carry.
func (s *Store) conversationURL(id string) string {
	return s.publicURL + "/conversations/" + id
}

// getUser reads a user the request names in field: a missing one is a problem of that
// field, not a 404 of the request.
func getUser(ctx context.Context, tx *txn, workspaceID, field, id string) (*feedwire.User, error) {
	u, err := users.get(ctx, tx, workspaceID, id)
	if errors.Is(err, feedwire.ErrNotFound) {
		return nil, feedwire.Invalid(field, fmt.Sprintf("no user with id %q", id))
	}
	return u, err
}

func insertConversation(ctx context.Context, tx *txn, c *feedwire.Conversation) error {
	participants, receipts, err := encodeConversationLists(c)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO conversations (id, workspace_id, title, state, snoozed_until, priority,
		priority_set_at, admin_assignee_id, team_assignee_id, participants, read_receipts, bot_state,
		bot_state_updated_at, last_activity_at, waiting_since, source_part_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.WorkspaceID, c.Title, c.State, nullMillis(c.SnoozedUntil), c.Priority, nullMillis(c.PrioritySetAt),
		c.AdminAssigneeID, c.TeamAssigneeID, participants, receipts, c.BotState, nullMillis(c.BotStateUpdatedAt),
		millis(c.LastActivityAt), nullMillis(c.WaitingSince), c.Source.ID, millis(c.CreatedAt), millis(c.UpdatedAt))
	if err != nil {
		return fmt.Errorf("insert conversation: %w", err)
	}
	return nil
}

// writeConversation stores every field of c that can change.
func writeConversation(ctx context.Context, tx *txn, c *feedwire.Conversation) error {
	participants, receipts, err := encodeConversationLists(c)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE conversations SET state = ?, snoozed_until = ?, priority = ?,
		priority_set_at = ?, admin_assignee_id = ?, team_assignee_id = ?, participants = ?, read_receipts = ?,
		bot_state = ?, bot_state_updated_at = ?, last_activity_at = ?, waiting_since = ?, updated_at = ?
		WHERE id = ?`,
		c.State, nullMillis(c.SnoozedUntil), c.Priority, nullMillis(c.PrioritySetAt), c.AdminAssigneeID,
		c.TeamAssigneeID, participants, receipts, c.BotState, nullMillis(c.BotStateUpdatedAt),
		millis(c.LastActivityAt), nullMillis(c.WaitingSince), millis(c.UpdatedAt), c.ID)
	if err != nil {
		return fmt.Errorf("update conversation: %w", err)
	}
	return nil
}

func insertPart(ctx context.Context, tx *txn, p *feedwire.ConversationPart) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO conversation_parts (id, workspace_id, conversation_id, part_type,
		author_id, author_name, author_type, body_markdown, redacted, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.WorkspaceID, p.ConversationID, p.Type, p.Author.ID, p.Author.Name, p.Author.Type, p.BodyMarkdown,
		p.Redacted, millis(p.CreatedAt), millis(p.UpdatedAt))
	if err != nil {
		return fmt.Errorf("insert conversation part: %w", err)
	}
	return nil
}

// storedParticipant and storedReceipt are the JSON the participants and read_receipts
// columns hold.
type storedParticipant struct {
	UserID string            `json:"userId"`
	Type   feedwire.UserType `json:"type"`
}

type storedReceipt struct {
	UserID string `json:"userId"`
	ReadAt int64  `json:"readAt"` // Unix milliseconds
}

func encodeConversationLists(c *feedwire.Conversation) (participants, receipts string, err error) {
	ps := make([]storedParticipant, len(c.Participants))
	for i, p := range c.Participants {
		ps[i] = storedParticipant{p.UserID, p.Type}
	}
	rs := make([]storedReceipt, len(c.ReadReceipts))
	for i, r := range c.ReadReceipts {
		rs[i] = storedReceipt{r.UserID, millis(r.ReadAt)}
	}
	p, err := json.Marshal(ps)
	if err != nil {
		return "", "", err
	}
	r, err := json.Marshal(rs)
	return string(p), string(r), err
}

func decodeParticipants(s string) ([]feedwire.Participant, error) {
	var stored []storedParticipant
	if err := json.Unmarshal([]byte(s), &stored); err != nil {
		return nil, fmt.Errorf("participants: %w", err)
	}
	out := make([]feedwire.Participant, len(stored))
	for i, p := range stored {
		out[i] = feedwire.Participant{UserID: p.UserID, Type: p.Type}
	}
	return out, nil
}

func decodeReceipts(s string) ([]feedwire.ReadReceipt, error) {
	var stored []storedReceipt
	if err := json.Unmarshal([]byte(s), &stored); err != nil {
		return nil, fmt.Errorf("read receipts: %w", err)
	}
	out := make([]feedwire.ReadReceipt, len(stored))
	for i, r := range stored {
		out[i] = feedwire.ReadReceipt{UserID: r.UserID, ReadAt: time.UnixMilli(r.ReadAt).UTC()}
	}
	return out, nil
}
