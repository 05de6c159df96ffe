package feedwire

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// ConversationState is where a support conversation stands.
type ConversationState string

// The conversation states.
const (
	ConversationOpen    ConversationState = "open"
	ConversationClosed  ConversationState = "closed"
	ConversationSnoozed ConversationState = "snoozed"
)

// BotState is where the AI agent stands in a conversation.
type BotState string

// The bot states. A conversation starts with the AI agent active or without one, and
// the only change the featurebase topics announce is the agent handing it off to a
// human (conversation.handover_requested); feedwire makes no other change to it.
const (
	BotActive         BotState = "active"
	BotHandedOffHuman BotState = "handed_off_to_human"
	BotResolved       BotState = "resolved"
)

// PartType says what kind of message a conversation part is.
type PartType string

// The part types.
const (
	PartUserMessage  PartType = "user_msg"
	PartEmailMessage PartType = "email_msg"
	PartAdminMessage PartType = "admin_msg"
	PartBotMessage   PartType = "bot_msg"
	PartAdminNote    PartType = "admin_note"
)

// PartTypes lists every valid PartType.
var PartTypes = []PartType{PartUserMessage, PartEmailMessage, PartAdminMessage, PartBotMessage, PartAdminNote}

// Conversation is a support conversation between contacts and the team. Its parts (the
// messages and notes) are stored apart; SourcePartID is the one that started it.
type Conversation struct {
	ID              string
	WorkspaceID     string
	Title           string
	State           ConversationState
	SnoozedUntil    *time.Time
	Priority        bool
	PrioritySetAt   *time.Time
	AdminAssigneeID *string
	TeamAssigneeID  *string
	// Participants are the users taking part, in the order they joined.
	Participants      []Participant
	ReadReceipts      []ReadReceipt
	BotState          *BotState
	BotStateUpdatedAt *time.Time
	// LastActivityAt is the time of the latest message or note.
	LastActivityAt time.Time
	// WaitingSince is when a contact's message started waiting for an answer; nil when
	// the team or the bot answered last.
	WaitingSince *time.Time
	// Source is the part that started the conversation.
	Source    *ConversationPart
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Participant is a user taking part in a conversation.
type Participant struct {
	UserID string
	Type   UserType
}

// ReadReceipt is when a user last read a conversation.
type ReadReceipt struct {
	UserID string
	ReadAt time.Time
}

// ConversationPart is one message or note of a conversation.
type ConversationPart struct {
	ID             string
	WorkspaceID    string
	ConversationID string
	Type           PartType
	Author         PartAuthor
	// BodyMarkdown is what the author wrote; a redacted part keeps none of it.
	BodyMarkdown string
	Redacted     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// PartAuthor is who wrote a part, as the part shows it.
type PartAuthor struct {
	ID   string
	Name string
	Type UserType
}

// ConversationInput is what a contact starting a conversation sends.
type ConversationInput struct {
	Title        string
	ContactID    string
	BodyMarkdown string
	// BotState is BotActive when the workspace's AI agent answers the conversation
	// from the start, nil otherwise.
	BotState *BotState
}

// Validate reports every field of the input that is not valid. That the contact exists
// and is a contact is the store's to check.
func (in ConversationInput) Validate() error {
	var p Problems
	checkText(&p, "title", in.Title, maxTitle)
	checkID(&p, "contactId", in.ContactID)
	checkText(&p, "bodyMarkdown", in.BodyMarkdown, maxContent)
	if in.BotState != nil && *in.BotState != BotActive {
		p.Add("botConversationState", "can only be active when a conversation starts")
	}
	return p.Err()
}

// PartInput is a new message or note.
type PartInput struct {
	Type         PartType
	AuthorID     string
	BodyMarkdown string
}

// Validate reports every field of the input that is not valid.
func (in PartInput) Validate() error {
	var p Problems
	if !slices.Contains(PartTypes, in.Type) {
		p.Add("partType", "must be one of user_msg, email_msg, admin_msg, bot_msg, admin_note")
	}
	checkID(&p, "authorId", in.AuthorID)
	checkText(&p, "bodyMarkdown", in.BodyMarkdown, maxContent)
	return p.Err()
}

// PartTopic returns the topic a part of this type by an author of that type emits, or
// an ErrInvalid error when such an author cannot write such a part: contacts write
// user_msg and email_msg, admins admin_msg, email_msg and admin_note, bots bot_msg.
func PartTopic(part PartType, author UserType) (EventType, error) {
	contact := author.IsContact()
	switch {
	case contact && (part == PartUserMessage || part == PartEmailMessage):
		return "conversation.user.replied", nil
	case author == UserAdmin && (part == PartAdminMessage || part == PartEmailMessage):
		return "conversation.admin.replied", nil
	case author == UserBot && part == PartBotMessage:
		return "conversation.admin.replied", nil
	case author == UserAdmin && part == PartAdminNote:
		return "conversation.admin.noted", nil
	}
	return "", Invalid("authorId", fmt.Sprintf("a %s cannot write a %s part", author, part))
}

// AddPart applies a new part to the conversation's activity: a contact's message starts
// waiting for an answer unless one is already waiting, an answer by the team or the bot
// ends it, and a note changes neither.
func (c *Conversation) AddPart(part PartType, author UserType, at time.Time) {
	c.LastActivityAt, c.UpdatedAt = at, at
	switch {
	case part == PartAdminNote:
	case author == UserAdmin || author == UserBot:
		c.WaitingSince = nil
	case c.WaitingSince == nil:
		c.WaitingSince = &at
	}
}

// ConversationPatch is an admin's change to a conversation. Each kind of change is a
// transition with its own topic.
type ConversationPatch struct {
	State           Field[ConversationState]
	SnoozedUntil    Field[time.Time]
	Priority        Field[bool]
	AdminAssigneeID Field[string]
	TeamAssigneeID  Field[string]
	BotState        Field[BotState]
}

// Transition is one step of a patch: the conversation after it, and the topic that
// announces it. Every step has a topic: a change no topic could announce is refused.
type Transition struct {
	Topic EventType
	After Conversation
}

// Transitions applies the patch to c in a fixed order (state, assignment, priority, bot
// state) and returns each step that changed something. An illegal transition is an
// ErrConflict error (closing a closed conversation, snoozing a closed one), a bad value
// an ErrInvalid one (a snooze that does not end in the future); either way c is kept.
func (p ConversationPatch) Transitions(c Conversation, now time.Time) ([]Transition, error) {
	if err := p.validate(now); err != nil {
		return nil, err
	}
	var steps []Transition
	step := func(topic EventType, change func(*Conversation)) {
		change(&c)
		c.UpdatedAt = now
		steps = append(steps, Transition{Topic: topic, After: cloneConversation(c)})
	}
	if p.State.Set {
		topic, err := stateTopic(c.State, p.State.Value)
		if err != nil {
			return nil, err
		}
		step(topic, func(c *Conversation) {
			c.State, c.SnoozedUntil = p.State.Value, nil
			if p.State.Value == ConversationSnoozed {
				until := p.SnoozedUntil.Value
				c.SnoozedUntil = &until
			}
		})
	}
	admin, team := c.AdminAssigneeID, c.TeamAssigneeID
	applyOptional(p.AdminAssigneeID, &admin)
	applyOptional(p.TeamAssigneeID, &team)
	if !equalPtr(admin, c.AdminAssigneeID) || !equalPtr(team, c.TeamAssigneeID) {
		step("conversation.admin.assigned", func(c *Conversation) { c.AdminAssigneeID, c.TeamAssigneeID = admin, team })
	}
	if p.Priority.Set && p.Priority.Value != c.Priority {
		step("conversation.priority.updated", func(c *Conversation) { c.Priority, c.PrioritySetAt = p.Priority.Value, &now })
	}
	if p.BotState.Set && (c.BotState == nil || *c.BotState != p.BotState.Value) {
		step("conversation.handover_requested", func(c *Conversation) {
			state := p.BotState.Value
			c.BotState, c.BotStateUpdatedAt = &state, &now
		})
	}
	return steps, nil
}

func (p ConversationPatch) validate(now time.Time) error {
	var problems Problems
	if p.State.Null {
		problems.Add("state", "must not be null")
	} else if p.State.Set && !slices.Contains([]ConversationState{ConversationOpen, ConversationClosed, ConversationSnoozed}, p.State.Value) {
		problems.Add("state", "must be one of open, closed, snoozed")
	}
	snoozing := p.State.Set && p.State.Value == ConversationSnoozed
	switch {
	case snoozing && (!p.SnoozedUntil.Set || p.SnoozedUntil.Null):
		problems.Add("snoozedUntil", "is required to snooze a conversation")
	case snoozing && !p.SnoozedUntil.Value.After(now):
		problems.Add("snoozedUntil", "must be in the future")
	case !snoozing && p.SnoozedUntil.Set:
		problems.Add("snoozedUntil", `may only be set with "state": "snoozed"`)
	}
	if p.Priority.Null {
		problems.Add("priority", "must not be null")
	}
	switch {
	case p.BotState.Null:
		problems.Add("botConversationState", "must not be null")
	case p.BotState.Set && p.BotState.Value != BotHandedOffHuman:
		// A PATCH that changed the bot state any other way would change the
		// conversation silently: no featurebase topic announces it.
		problems.Add("botConversationState", "can only become handed_off_to_human (conversation.handover_requested); "+
			"no topic announces an AI agent becoming active or resolving a conversation, so feedwire does not change it")
	}
	if p.TeamAssigneeID.Set && !p.TeamAssigneeID.Null {
		checkText(&problems, "teamAssigneeId", p.TeamAssigneeID.Value, 100)
	}
	return problems.Err()
}

// stateTopic returns the topic of moving a conversation from one state to another, or
// an ErrConflict error when the move is not allowed.
func stateTopic(from, to ConversationState) (EventType, error) {
	switch {
	case from == to:
		return "", Conflict("the conversation is already %s", from)
	case to == ConversationClosed:
		return "conversation.admin.closed", nil
	case to == ConversationOpen && from == ConversationSnoozed:
		return "conversation.admin.unsnoozed", nil
	case to == ConversationOpen:
		return "conversation.admin.opened", nil
	case from == ConversationClosed:
		return "", Conflict("a closed conversation cannot be snoozed; open it first")
	}
	return "conversation.admin.snoozed", nil
}

// Unsnooze reopens a snoozed conversation whose snooze has ended.
func (c *Conversation) Unsnooze(now time.Time) {
	c.State, c.SnoozedUntil, c.UpdatedAt = ConversationOpen, nil, now
}

// Attach adds a participant. Adding one already there is an ErrConflict error.
func (c *Conversation) Attach(u *User, now time.Time) error {
	if c.participant(u.ID) >= 0 {
		return Conflict("user %s already takes part in the conversation", u.ID)
	}
	c.Participants = append(slices.Clone(c.Participants), Participant{UserID: u.ID, Type: u.Type})
	c.UpdatedAt = now
	return nil
}

// Detach removes a participant. Removing one who is not there is an ErrConflict error.
func (c *Conversation) Detach(userID string, now time.Time) error {
	i := c.participant(userID)
	if i < 0 {
		return Conflict("user %s does not take part in the conversation", userID)
	}
	c.Participants = slices.Delete(slices.Clone(c.Participants), i, i+1)
	c.UpdatedAt = now
	return nil
}

func (c *Conversation) participant(userID string) int {
	return slices.IndexFunc(c.Participants, func(p Participant) bool { return p.UserID == userID })
}

// MarkRead records that the user read the conversation now.
func (c *Conversation) MarkRead(userID string, now time.Time) {
	receipts := slices.DeleteFunc(slices.Clone(c.ReadReceipts), func(r ReadReceipt) bool { return r.UserID == userID })
	c.ReadReceipts = append(receipts, ReadReceipt{UserID: userID, ReadAt: now})
	c.UpdatedAt = now
}

// cloneConversation copies c so that later steps do not change an earlier step's slices.
func cloneConversation(c Conversation) Conversation {
	c.Participants = slices.Clone(c.Participants)
	c.ReadReceipts = slices.Clone(c.ReadReceipts)
	return c
}

func equalPtr[T comparable](a, b *T) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// ConversationService stores conversations and runs their state machine; every write
// emits its topic in the same transaction.
type ConversationService interface {
	CreateConversation(ctx context.Context, workspaceID string, in ConversationInput) (*Conversation, error)
	Conversation(ctx context.Context, workspaceID, id string) (*Conversation, error)
	Conversations(ctx context.Context, workspaceID string, p ListParams) (*Page[Conversation], error)
	UpdateConversation(ctx context.Context, workspaceID, id string, p ConversationPatch) (*Conversation, error)
	DeleteConversation(ctx context.Context, workspaceID, id string) error
	AddPart(ctx context.Context, workspaceID, conversationID string, in PartInput) (*ConversationPart, error)
	Parts(ctx context.Context, workspaceID, conversationID string) ([]ConversationPart, error)
	RedactPart(ctx context.Context, workspaceID, conversationID, partID string) (*ConversationPart, error)
	AttachParticipant(ctx context.Context, workspaceID, conversationID, userID string) (*Conversation, error)
	DetachParticipant(ctx context.Context, workspaceID, conversationID, userID string) (*Conversation, error)
	MarkRead(ctx context.Context, workspaceID, conversationID, userID string) (*Conversation, error)
}
