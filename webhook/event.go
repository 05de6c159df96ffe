package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
)

// HarvestrEvent is a harvestr delivery whose data is decoded: T is Feedback, Discovery,
// Component or Message. Changes, on the *_UPDATED events only, maps each changed field
// to its new value.
type HarvestrEvent[T any] struct {
	ID      string                     `json:"id"`
	Event   string                     `json:"event"`
	Data    T                          `json:"data"`
	Changes map[string]json.RawMessage `json:"changes,omitempty"`
}

// FeaturebaseEvent is a featurebase delivery whose data.item is decoded: T is Post,
// PostVote, Comment, Changelog, Conversation or ConversationPart.
type FeaturebaseEvent[T any] struct {
	Object string `json:"object"` // always "notification_event"
	// ID identifies the delivery: "notif_" and a UUIDv7, unique per event and endpoint,
	// the same on every retry, so receivers can drop duplicates by it.
	ID             string `json:"id"`
	Topic          string `json:"topic"`
	OrganizationID string `json:"organizationId"`
	WebhookID      string `json:"webhookId"`
	CreatedAt      Time   `json:"createdAt"`
	// DeliveryStatus is "pending": the delivery is under way as the receiver reads it.
	DeliveryStatus string `json:"deliveryStatus"`
	// ConversationID and ConversationURL are present on conversation topics only.
	ConversationID  *string                 `json:"conversationId,omitempty"`
	ConversationURL *string                 `json:"conversationUrl,omitempty"`
	Data            FeaturebaseEventData[T] `json:"data"`
}

// FeaturebaseEventData is the data member of a FeaturebaseEvent.
type FeaturebaseEventData[T any] struct {
	Object string `json:"object"` // always "notification_event_data"
	// Item is the object the topic is about, with its "object" member.
	Item T `json:"item"`
	// Changes is present on update and state-change topics only.
	Changes []Change `json:"changes,omitempty"`
}

// eventTypes maps each of the 32 event types to a new value of its typed event.
var eventTypes = map[string]func() any{
	"FEEDBACK_CREATED":  func() any { return new(HarvestrEvent[Feedback]) },
	"FEEDBACK_UPDATED":  func() any { return new(HarvestrEvent[Feedback]) },
	"DISCOVERY_CREATED": func() any { return new(HarvestrEvent[Discovery]) },
	"DISCOVERY_UPDATED": func() any { return new(HarvestrEvent[Discovery]) },
	"COMPONENT_CREATED": func() any { return new(HarvestrEvent[Component]) },
	"COMPONENT_UPDATED": func() any { return new(HarvestrEvent[Component]) },
	"MESSAGE_CREATED":   func() any { return new(HarvestrEvent[Message]) },
	"MESSAGE_UPDATED":   func() any { return new(HarvestrEvent[Message]) },

	"post.created":        func() any { return new(FeaturebaseEvent[Post]) },
	"post.updated":        func() any { return new(FeaturebaseEvent[Post]) },
	"post.deleted":        func() any { return new(FeaturebaseEvent[Post]) },
	"post.voted":          func() any { return new(FeaturebaseEvent[PostVote]) },
	"changelog.published": func() any { return new(FeaturebaseEvent[Changelog]) },
	"comment.created":     func() any { return new(FeaturebaseEvent[Comment]) },
	"comment.updated":     func() any { return new(FeaturebaseEvent[Comment]) },
	"comment.deleted":     func() any { return new(FeaturebaseEvent[Comment]) },

	"conversation.user.created":       func() any { return new(FeaturebaseEvent[Conversation]) },
	"conversation.user.replied":       func() any { return new(FeaturebaseEvent[ConversationPart]) },
	"conversation.admin.replied":      func() any { return new(FeaturebaseEvent[ConversationPart]) },
	"conversation.admin.noted":        func() any { return new(FeaturebaseEvent[ConversationPart]) },
	"conversation.admin.closed":       func() any { return new(FeaturebaseEvent[Conversation]) },
	"conversation.admin.opened":       func() any { return new(FeaturebaseEvent[Conversation]) },
	"conversation.admin.snoozed":      func() any { return new(FeaturebaseEvent[Conversation]) },
	"conversation.admin.unsnoozed":    func() any { return new(FeaturebaseEvent[Conversation]) },
	"conversation.admin.assigned":     func() any { return new(FeaturebaseEvent[Conversation]) },
	"conversation.priority.updated":   func() any { return new(FeaturebaseEvent[Conversation]) },
	"conversation.handover_requested": func() any { return new(FeaturebaseEvent[Conversation]) },
	"conversation.deleted":            func() any { return new(FeaturebaseEvent[Conversation]) },
	"conversation.contact.attached":   func() any { return new(FeaturebaseEvent[Conversation]) },
	"conversation.contact.detached":   func() any { return new(FeaturebaseEvent[Conversation]) },
	"conversation.read":               func() any { return new(FeaturebaseEvent[Conversation]) },
	"conversation_part.redacted":      func() any { return new(FeaturebaseEvent[ConversationPart]) },
}

// ErrUnknownEvent means a body names an event type this package does not know.
var ErrUnknownEvent = errors.New("webhook: unknown event type")

// Envelope is what every delivery says of itself, whatever its format.
type Envelope struct {
	// ID is the envelope id: the same on every retry of a delivery, so receivers can
	// drop duplicates by it.
	ID string
	// Type is the event (harvestr) or topic (featurebase), such as MESSAGE_CREATED or
	// post.created.
	Type string
	// Format is FormatHarvestr or FormatFeaturebase.
	Format string
}

// ReadEnvelope reads a delivery's envelope id and event type.
func ReadEnvelope(body []byte) (Envelope, error) {
	var e struct {
		ID    string `json:"id"`
		Event string `json:"event"`
		Topic string `json:"topic"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return Envelope{}, fmt.Errorf("webhook: the body is not a JSON object: %w", err)
	}
	switch {
	case e.Topic != "":
		return Envelope{ID: e.ID, Type: e.Topic, Format: FormatFeaturebase}, nil
	case e.Event != "":
		return Envelope{ID: e.ID, Type: e.Event, Format: FormatHarvestr}, nil
	}
	return Envelope{}, fmt.Errorf("%w: the body has neither event nor topic", ErrUnknownEvent)
}

// Decode decodes a delivery into the typed event of its type: a
// *HarvestrEvent[Message] for MESSAGE_CREATED, a *FeaturebaseEvent[Post] for
// post.created, a *FeaturebaseEvent[ConversationPart] for conversation.user.replied,
// and so on for all 32 types.
func Decode(body []byte) (any, error) {
	env, err := ReadEnvelope(body)
	if err != nil {
		return nil, err
	}
	newEvent, ok := eventTypes[env.Type]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownEvent, env.Type)
	}
	event := newEvent()
	if err := json.Unmarshal(body, event); err != nil {
		return nil, fmt.Errorf("webhook: decode %s: %w", env.Type, err)
	}
	return event, nil
}

// EventTypes returns the 32 event types Decode knows, in no particular order.
func EventTypes() []string {
	names := make([]string, 0, len(eventTypes))
	for name := range eventTypes {
		names = append(names, name)
	}
	return names
}
