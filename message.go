package feedwire

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Channel is where a message came from.
type Channel string

// Channels lists the 19 channels a message can come from, as the harvestr format names
// them.
var Channels = []Channel{
	"CHROME_WIDGET", "FORM", "FRESHDESK", "HUBSPOT", "INTERCOM", "MAIL", "NOTE",
	"SALESFORCE", "SHEET", "SLACK", "ZENDESK", "MS_TEAMS", "PUBLIC_API", "HFC",
	"AIRCALL", "CLAAP", "GONG", "MODJO", "PRAIZ",
}

// Message is a piece of customer feedback as it arrived from a channel.
//
// Updated becomes true the first time an update changes the message's text (its title or
// content) and then stays true: it tells a reader the message no longer says what it
// said when it arrived. Marking it read, archiving it, moving it to the bin or changing
// who it is assigned to are triage, not edits, and leave Updated as it is.
type Message struct {
	ID             string
	ClientID       string // "msg_…", the short id people quote
	WorkspaceID    string
	Title          string
	Content        string
	Channel        Channel
	Read           bool
	Updated        bool
	Archived       bool
	Bin            bool
	RequesterID    string
	SubmitterID    string
	AssigneeID     *string
	ReceivedAt     *time.Time
	IntegrationURL *string
	IntegrationID  *string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// MessageInput is what creating a message takes.
type MessageInput struct {
	Title          string
	Content        string
	Channel        Channel
	RequesterID    string
	SubmitterID    string
	AssigneeID     *string
	ReceivedAt     *time.Time
	IntegrationURL *string
	IntegrationID  *string
}

// Message returns the message the input describes, not yet stored.
func (in MessageInput) Message() Message {
	return Message{
		Title: in.Title, Content: in.Content, Channel: in.Channel,
		RequesterID: in.RequesterID, SubmitterID: in.SubmitterID, AssigneeID: in.AssigneeID,
		ReceivedAt: in.ReceivedAt, IntegrationURL: in.IntegrationURL, IntegrationID: in.IntegrationID,
	}
}

// MessagePatch is a partial update of a message.
type MessagePatch struct {
	Title          Field[string]
	Content        Field[string]
	Channel        Field[Channel]
	Read           Field[bool]
	Archived       Field[bool]
	Bin            Field[bool]
	RequesterID    Field[string]
	SubmitterID    Field[string]
	AssigneeID     Field[string]
	ReceivedAt     Field[time.Time]
	IntegrationURL Field[string]
	IntegrationID  Field[string]
}

// Apply applies the patch to m, marks m updated when its text changed, and validates the
// result.
func (p MessagePatch) Apply(m *Message) error {
	var problems Problems
	title, content := m.Title, m.Content
	applyRequired(p.Title, &m.Title, "title", &problems)
	applyRequired(p.Content, &m.Content, "content", &problems)
	applyRequired(p.Channel, &m.Channel, "channel", &problems)
	applyRequired(p.Read, &m.Read, "read", &problems)
	applyRequired(p.Archived, &m.Archived, "archived", &problems)
	applyRequired(p.Bin, &m.Bin, "bin", &problems)
	applyRequired(p.RequesterID, &m.RequesterID, "requesterId", &problems)
	applyRequired(p.SubmitterID, &m.SubmitterID, "submitterId", &problems)
	applyOptional(p.AssigneeID, &m.AssigneeID)
	applyOptional(p.ReceivedAt, &m.ReceivedAt)
	applyOptional(p.IntegrationURL, &m.IntegrationURL)
	applyOptional(p.IntegrationID, &m.IntegrationID)
	if err := problems.Err(); err != nil {
		return err
	}
	if m.Title != title || m.Content != content {
		m.Updated = true
	}
	return m.Validate()
}

// Validate reports every field of m that is not valid. References are checked by the
// store.
func (m *Message) Validate() error {
	var p Problems
	checkText(&p, "title", m.Title, maxTitle)
	checkText(&p, "content", m.Content, maxContent)
	if !slices.Contains(Channels, m.Channel) {
		p.Add("channel", "must be one of "+channelList())
	}
	checkID(&p, "requesterId", m.RequesterID)
	checkID(&p, "submitterId", m.SubmitterID)
	if m.IntegrationURL != nil {
		checkURL(&p, "integrationUrl", *m.IntegrationURL)
	}
	if m.IntegrationID != nil { // an id, if given: null, not "", says there is none
		checkText(&p, "integrationId", *m.IntegrationID, maxTitle)
	}
	return p.Err()
}

func channelList() string {
	names := make([]string, len(Channels))
	for i, c := range Channels {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}

// MessageService stores messages. Every create and every update that changes something
// commits a MESSAGE_CREATED or MESSAGE_UPDATED event with it.
type MessageService interface {
	CreateMessage(ctx context.Context, workspaceID string, in MessageInput) (*Message, error)
	Message(ctx context.Context, workspaceID, id string) (*Message, error)
	Messages(ctx context.Context, workspaceID string, p ListParams) (*Page[Message], error)
	UpdateMessage(ctx context.Context, workspaceID, id string, p MessagePatch) (*Message, error)
}
