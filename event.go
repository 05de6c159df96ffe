package feedwire

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// EventType names what happened, exactly as the wire format writes it.
type EventType string

// The harvestr event types.
const (
	FeedbackCreated  EventType = "FEEDBACK_CREATED"
	FeedbackUpdated  EventType = "FEEDBACK_UPDATED"
	DiscoveryCreated EventType = "DISCOVERY_CREATED"
	DiscoveryUpdated EventType = "DISCOVERY_UPDATED"
	ComponentCreated EventType = "COMPONENT_CREATED"
	ComponentUpdated EventType = "COMPONENT_UPDATED"
	MessageCreated   EventType = "MESSAGE_CREATED"
	MessageUpdated   EventType = "MESSAGE_UPDATED"
)

// HarvestrEventTypes lists the harvestr event types in the order seed 000 lists them.
var HarvestrEventTypes = []EventType{
	FeedbackCreated, FeedbackUpdated, DiscoveryCreated, DiscoveryUpdated,
	ComponentCreated, ComponentUpdated, MessageCreated, MessageUpdated,
}

// FeaturebaseTopics lists the featurebase topics in the order seed 004 lists them.
var FeaturebaseTopics = []EventType{
	"post.created", "post.updated", "post.deleted", "post.voted", "changelog.published",
	"comment.created", "comment.updated", "comment.deleted",
	"conversation.user.created", "conversation.user.replied", "conversation.admin.replied",
	"conversation.admin.noted", "conversation.admin.closed", "conversation.admin.opened",
	"conversation.admin.snoozed", "conversation.admin.unsnoozed", "conversation.admin.assigned",
	"conversation.priority.updated", "conversation.handover_requested", "conversation.deleted",
	"conversation.contact.attached", "conversation.contact.detached", "conversation.read",
	"conversation_part.redacted",
}

// The operational event types: feedwire's own events about the deliveries of a
// workspace, for the endpoints that watch over them.
const (
	// EventWebhookSuspended: feedwire suspended a webhook (a 410 Gone, or no success for
	// too long); its deliveries are held until it is active again.
	EventWebhookSuspended EventType = "webhook.suspended"
	// EventWebhookRecovered: a suspended webhook was made active again, and its held
	// deliveries go out.
	EventWebhookRecovered EventType = "webhook.recovered"
	// EventDeliveryFailed: a delivery failed for good, its retries spent.
	EventDeliveryFailed EventType = "delivery.failed"
	// EventJobFinished: a recover or replay job succeeded or failed.
	EventJobFinished EventType = "job.finished"
)

// OperationalEventTypes lists the operational event types.
var OperationalEventTypes = []EventType{EventWebhookSuspended, EventWebhookRecovered, EventDeliveryFailed, EventJobFinished}

// VendorEventTypes lists the 32 event types of the two vendors' catalogs: harvestr's,
// then featurebase's.
var VendorEventTypes = slices.Concat(HarvestrEventTypes, FeaturebaseTopics)

// EventTypesOf returns the event types of a format, or nil for an unknown format. The
// chat and template formats render events of both vendors' catalogs, so they take all
// 32 vendor types; the operational format takes the operational types.
func EventTypesOf(f Format) []EventType {
	switch f {
	case FormatHarvestr:
		return HarvestrEventTypes
	case FormatFeaturebase:
		return FeaturebaseTopics
	case FormatOperational:
		return OperationalEventTypes
	case FormatSlack, FormatDiscord, FormatTeams, FormatTemplate:
		return VendorEventTypes
	}
	return nil
}

// Format is a wire format: the envelope, field names and signature scheme of one vendor,
// or the shape of a chat tool's incoming webhooks, or a webhook's own template.
type Format string

// The wire formats. harvestr and featurebase are the vendors' own; slack, discord and
// teams render each event as a message in that tool's incoming-webhook JSON; template
// renders the webhook's own Go text/template; operational sends feedwire's own events
// as Standard Webhooks payloads ({"type", "timestamp", "data"}).
const (
	FormatHarvestr    Format = "harvestr"
	FormatFeaturebase Format = "featurebase"
	FormatSlack       Format = "slack"
	FormatDiscord     Format = "discord"
	FormatTeams       Format = "teams"
	FormatTemplate    Format = "template"
	FormatOperational Format = "operational"
)

// Formats lists every format a webhook may have.
var Formats = []Format{FormatHarvestr, FormatFeaturebase, FormatSlack, FormatDiscord, FormatTeams, FormatTemplate,
	FormatOperational}

// Vendor reports whether f is one of the vendors' formats, whose deliveries carry the
// vendor's body and signature headers; the others carry the Standard Webhooks headers
// alone.
func (f Format) Vendor() bool {
	return f == FormatHarvestr || f == FormatFeaturebase
}

// Format returns the wire format the event type belongs to: harvestr types are upper
// case (MESSAGE_CREATED), featurebase topics are dotted (post.created), and the few
// operational types (webhook.suspended, …) are operational.
func (t EventType) Format() Format {
	switch {
	case t.Operational():
		return FormatOperational
	case strings.Contains(string(t), "."):
		return FormatFeaturebase
	}
	return FormatHarvestr
}

// Operational reports whether t is one of feedwire's own event types.
func (t EventType) Operational() bool {
	return slices.Contains(OperationalEventTypes, t)
}

// Event is one change to a resource, stored once and delivered to every webhook that
// subscribes to its type.
type Event struct {
	ID           string // a UUIDv7, so ids sort by time
	WorkspaceID  string
	Type         EventType
	ResourceType string // "message", "discovery", …
	ResourceID   string
	// Data is the resource after the change, exactly as the wire format writes it.
	Data json.RawMessage
	// Changes is what the change did, in the wire format's own shape; nil on creates.
	Changes json.RawMessage
	// ConversationID and ConversationURL are set on the featurebase conversation
	// topics only, and go to the envelope's conversationId and conversationUrl.
	ConversationID  string
	ConversationURL string
	CreatedAt       time.Time
}

// EventFilter selects events.
type EventFilter struct {
	ListParams
	Types []EventType // any of these; all types when empty
	Since time.Time   // at or after; no lower bound when zero
	Until time.Time   // before; no upper bound when zero
	// ResourceID keeps only the events of the resource with this id; all when empty.
	ResourceID string
}

// EventService reads the event log.
type EventService interface {
	Event(ctx context.Context, workspaceID, id string) (*Event, error)
	Events(ctx context.Context, workspaceID string, f EventFilter) (*Page[Event], error)
}
