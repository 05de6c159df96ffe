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

// The 32 event types: harvestr's events, then featurebase's topics. Each decodes to
// the typed event its comment names (see Decode and On).
const (
	EventFeedbackCreated  = "FEEDBACK_CREATED"  // HarvestrEvent[Feedback]
	EventFeedbackUpdated  = "FEEDBACK_UPDATED"  // HarvestrEvent[Feedback]
	EventDiscoveryCreated = "DISCOVERY_CREATED" // HarvestrEvent[Discovery]
	EventDiscoveryUpdated = "DISCOVERY_UPDATED" // HarvestrEvent[Discovery]
	EventComponentCreated = "COMPONENT_CREATED" // HarvestrEvent[Component]
	EventComponentUpdated = "COMPONENT_UPDATED" // HarvestrEvent[Component]
	EventMessageCreated   = "MESSAGE_CREATED"   // HarvestrEvent[Message]
	EventMessageUpdated   = "MESSAGE_UPDATED"   // HarvestrEvent[Message]

	EventPostCreated        = "post.created"        // FeaturebaseEvent[Post]
	EventPostUpdated        = "post.updated"        // FeaturebaseEvent[Post]
	EventPostDeleted        = "post.deleted"        // FeaturebaseEvent[Post]
	EventPostVoted          = "post.voted"          // FeaturebaseEvent[PostVote]
	EventChangelogPublished = "changelog.published" // FeaturebaseEvent[Changelog]
	EventCommentCreated     = "comment.created"     // FeaturebaseEvent[Comment]
	EventCommentUpdated     = "comment.updated"     // FeaturebaseEvent[Comment]
	EventCommentDeleted     = "comment.deleted"     // FeaturebaseEvent[Comment]

	EventConversationUserCreated       = "conversation.user.created"       // FeaturebaseEvent[Conversation]
	EventConversationUserReplied       = "conversation.user.replied"       // FeaturebaseEvent[ConversationPart]
	EventConversationAdminReplied      = "conversation.admin.replied"      // FeaturebaseEvent[ConversationPart]
	EventConversationAdminNoted        = "conversation.admin.noted"        // FeaturebaseEvent[ConversationPart]
	EventConversationAdminClosed       = "conversation.admin.closed"       // FeaturebaseEvent[Conversation]
	EventConversationAdminOpened       = "conversation.admin.opened"       // FeaturebaseEvent[Conversation]
	EventConversationAdminSnoozed      = "conversation.admin.snoozed"      // FeaturebaseEvent[Conversation]
	EventConversationAdminUnsnoozed    = "conversation.admin.unsnoozed"    // FeaturebaseEvent[Conversation]
	EventConversationAdminAssigned     = "conversation.admin.assigned"     // FeaturebaseEvent[Conversation]
	EventConversationPriorityUpdated   = "conversation.priority.updated"   // FeaturebaseEvent[Conversation]
	EventConversationHandoverRequested = "conversation.handover_requested" // FeaturebaseEvent[Conversation]
	EventConversationDeleted           = "conversation.deleted"            // FeaturebaseEvent[Conversation]
	EventConversationContactAttached   = "conversation.contact.attached"   // FeaturebaseEvent[Conversation]
	EventConversationContactDetached   = "conversation.contact.detached"   // FeaturebaseEvent[Conversation]
	EventConversationRead              = "conversation.read"               // FeaturebaseEvent[Conversation]
	EventConversationPartRedacted      = "conversation_part.redacted"      // FeaturebaseEvent[ConversationPart]
)

// eventTypes maps each of the 36 event types to a new value of its typed event.
var eventTypes = map[string]func() any{
	EventFeedbackCreated:  func() any { return new(HarvestrEvent[Feedback]) },
	EventFeedbackUpdated:  func() any { return new(HarvestrEvent[Feedback]) },
	EventDiscoveryCreated: func() any { return new(HarvestrEvent[Discovery]) },
	EventDiscoveryUpdated: func() any { return new(HarvestrEvent[Discovery]) },
	EventComponentCreated: func() any { return new(HarvestrEvent[Component]) },
	EventComponentUpdated: func() any { return new(HarvestrEvent[Component]) },
	EventMessageCreated:   func() any { return new(HarvestrEvent[Message]) },
	EventMessageUpdated:   func() any { return new(HarvestrEvent[Message]) },

	EventPostCreated:        func() any { return new(FeaturebaseEvent[Post]) },
	EventPostUpdated:        func() any { return new(FeaturebaseEvent[Post]) },
	EventPostDeleted:        func() any { return new(FeaturebaseEvent[Post]) },
	EventPostVoted:          func() any { return new(FeaturebaseEvent[PostVote]) },
	EventChangelogPublished: func() any { return new(FeaturebaseEvent[Changelog]) },
	EventCommentCreated:     func() any { return new(FeaturebaseEvent[Comment]) },
	EventCommentUpdated:     func() any { return new(FeaturebaseEvent[Comment]) },
	EventCommentDeleted:     func() any { return new(FeaturebaseEvent[Comment]) },

	EventConversationUserCreated:       func() any { return new(FeaturebaseEvent[Conversation]) },
	EventConversationUserReplied:       func() any { return new(FeaturebaseEvent[ConversationPart]) },
	EventConversationAdminReplied:      func() any { return new(FeaturebaseEvent[ConversationPart]) },
	EventConversationAdminNoted:        func() any { return new(FeaturebaseEvent[ConversationPart]) },
	EventConversationAdminClosed:       func() any { return new(FeaturebaseEvent[Conversation]) },
	EventConversationAdminOpened:       func() any { return new(FeaturebaseEvent[Conversation]) },
	EventConversationAdminSnoozed:      func() any { return new(FeaturebaseEvent[Conversation]) },
	EventConversationAdminUnsnoozed:    func() any { return new(FeaturebaseEvent[Conversation]) },
	EventConversationAdminAssigned:     func() any { return new(FeaturebaseEvent[Conversation]) },
	EventConversationPriorityUpdated:   func() any { return new(FeaturebaseEvent[Conversation]) },
	EventConversationHandoverRequested: func() any { return new(FeaturebaseEvent[Conversation]) },
	EventConversationDeleted:           func() any { return new(FeaturebaseEvent[Conversation]) },
	EventConversationContactAttached:   func() any { return new(FeaturebaseEvent[Conversation]) },
	EventConversationContactDetached:   func() any { return new(FeaturebaseEvent[Conversation]) },
	EventConversationRead:              func() any { return new(FeaturebaseEvent[Conversation]) },
	EventConversationPartRedacted:      func() any { return new(FeaturebaseEvent[ConversationPart]) },

	EventWebhookSuspended: func() any { return new(OperationalEvent[WebhookSuspended]) },
	EventWebhookRecovered: func() any { return new(OperationalEvent[WebhookRecovered]) },
	EventDeliveryFailed:   func() any { return new(OperationalEvent[DeliveryFailed]) },
	EventJobFinished:      func() any { return new(OperationalEvent[JobFinished]) },
}

// ErrUnknownEvent means a body names an event type this package does not know.
var ErrUnknownEvent = errors.New("webhook: unknown event type")

// Envelope is what every delivery says of itself, whatever its format.
type Envelope struct {
	// ID is the envelope id: the same on every retry of a delivery, so receivers can
	// drop duplicates by it.
	ID string
	// Type is the event (harvestr), topic (featurebase) or type (operational), such as
	// MESSAGE_CREATED, post.created or webhook.suspended.
	Type string
	// Format is FormatHarvestr, FormatFeaturebase or FormatOperational.
	Format string
}

// ReadEnvelope reads a delivery's envelope id and event type. An operational body
// carries no id: its delivery's id is in the webhook-id header alone, so ID is empty.
func ReadEnvelope(body []byte) (Envelope, error) {
	var e struct {
		ID    string `json:"id"`
		Event string `json:"event"`
		Topic string `json:"topic"`
		Type  string `json:"type"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return Envelope{}, fmt.Errorf("webhook: the body is not a JSON object: %w", err)
	}
	switch {
	case e.Topic != "":
		return Envelope{ID: e.ID, Type: e.Topic, Format: FormatFeaturebase}, nil
	case e.Event != "":
		return Envelope{ID: e.ID, Type: e.Event, Format: FormatHarvestr}, nil
	case e.Type != "":
		return Envelope{Type: e.Type, Format: FormatOperational}, nil
	}
	return Envelope{}, fmt.Errorf("%w: the body has no event, topic or type", ErrUnknownEvent)
}

// Decode decodes a delivery into the typed event of its type: a
// *HarvestrEvent[Message] for MESSAGE_CREATED, a *FeaturebaseEvent[Post] for
// post.created, a *FeaturebaseEvent[ConversationPart] for conversation.user.replied,
// and so on for all 32 types; an *OperationalEvent[WebhookSuspended] for
// webhook.suspended, and so on for the 4 operational types.
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

// EventTypes returns the 36 event types Decode knows, the vendors' 32 and the 4
// operational ones, in no particular order.
func EventTypes() []string {
	names := make([]string, 0, len(eventTypes))
	for name := range eventTypes {
		names = append(names, name)
	}
	return names
}
