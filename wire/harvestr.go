package wire

import (
	"fmt"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// HarvestrMessage returns m as the data of a MESSAGE_* event.
func HarvestrMessage(m *feedwire.Message) webhook.Message {
	return webhook.Message{
		ID: m.ID, ClientID: m.ClientID,
		CreatedAt: webhook.NewTime(m.CreatedAt), UpdatedAt: webhook.NewTime(m.UpdatedAt),
		Title: m.Title, Content: m.Content, Channel: string(m.Channel),
		Read: m.Read, Updated: m.Updated, Archived: m.Archived, Bin: m.Bin,
		RequesterID: m.RequesterID, SubmitterID: m.SubmitterID,
		ReceivedAt:     webhook.NewTimePtr(m.ReceivedAt),
		IntegrationURL: m.IntegrationURL, IntegrationID: m.IntegrationID,
		AssigneeID: m.AssigneeID,
	}
}

// HarvestrDiscovery returns d as the data of a DISCOVERY_* event.
func HarvestrDiscovery(d *feedwire.Discovery) webhook.Discovery {
	return webhook.Discovery{
		ID: d.ID, ClientID: d.ClientID,
		CreatedAt: webhook.NewTime(d.CreatedAt), UpdatedAt: webhook.NewTime(d.UpdatedAt),
		Title: d.Title, Description: d.Description,
		DiscoveryStateID: d.DiscoveryStateID, ParentID: d.ParentID,
	}
}

// HarvestrComponent returns c as the data of a COMPONENT_* event.
func HarvestrComponent(c *feedwire.Component) webhook.Component {
	return webhook.Component{
		ID: c.ID, ClientID: c.ClientID,
		CreatedAt: webhook.NewTime(c.CreatedAt), UpdatedAt: webhook.NewTime(c.UpdatedAt),
		Title: c.Title, Description: c.Description, ParentID: c.ParentID,
	}
}

// HarvestrFeedback returns f as the data of a FEEDBACK_* event.
func HarvestrFeedback(f *feedwire.Feedback) webhook.Feedback {
	return webhook.Feedback{
		ID: f.ID, ClientID: f.ClientID,
		CreatedAt: webhook.NewTime(f.CreatedAt), UpdatedAt: webhook.NewTime(f.UpdatedAt),
		Starred: f.Starred, Score: f.Score, MessageID: f.MessageID, DiscoveryID: f.DiscoveryID,
		RequesterID: f.RequesterID, SubmitterID: f.SubmitterID,
	}
}

// MessageEvent returns the event that storing after emits: MESSAGE_CREATED when before
// is nil, else MESSAGE_UPDATED, or nil when the update changed nothing.
func MessageEvent(before, after *feedwire.Message) (*feedwire.Event, error) {
	return harvestrEvent(eventKind{"message", feedwire.MessageCreated, feedwire.MessageUpdated},
		before, after, HarvestrMessage)
}

// DiscoveryEvent is MessageEvent for discoveries.
func DiscoveryEvent(before, after *feedwire.Discovery) (*feedwire.Event, error) {
	return harvestrEvent(eventKind{"discovery", feedwire.DiscoveryCreated, feedwire.DiscoveryUpdated},
		before, after, HarvestrDiscovery)
}

// ComponentEvent is MessageEvent for components.
func ComponentEvent(before, after *feedwire.Component) (*feedwire.Event, error) {
	return harvestrEvent(eventKind{"component", feedwire.ComponentCreated, feedwire.ComponentUpdated},
		before, after, HarvestrComponent)
}

// FeedbackEvent is MessageEvent for feedback.
func FeedbackEvent(before, after *feedwire.Feedback) (*feedwire.Event, error) {
	return harvestrEvent(eventKind{"feedback", feedwire.FeedbackCreated, feedwire.FeedbackUpdated},
		before, after, HarvestrFeedback)
}

// eventKind names the resource type and the two event types of one harvestr resource.
type eventKind struct {
	resource         string
	created, updated feedwire.EventType
}

// harvestrEvent builds the event of a create (before == nil) or an update. The changes of
// an update are every field of the data that differs, except updatedAt: the seed's
// DISCOVERY_UPDATED example lists only the fields a person changed.
func harvestrEvent[R any, D any](kind eventKind, before, after *R, data func(*R) D) (*feedwire.Event, error) {
	afterData, err := marshal(data(after))
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", kind.resource, err)
	}
	ev := &feedwire.Event{Type: kind.created, ResourceType: kind.resource, Data: afterData}
	if before != nil {
		beforeData, err := marshal(data(before))
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", kind.resource, err)
		}
		changes, err := diff(beforeData, afterData, "updatedAt")
		if err != nil {
			return nil, err
		}
		if len(changes) == 0 {
			return nil, nil
		}
		ev.Type = kind.updated
		if ev.Changes, err = harvestrChanges(changes); err != nil {
			return nil, err
		}
	}
	return ev, nil
}

// HarvestrBody returns the body of a harvestr-format delivery of ev whose envelope id is
// id: the event's own id in the event log, a per-delivery id on the wire. It is the
// encoding of a webhook.HarvestrPayload, written out by hand (see appendRaw).
func HarvestrBody(id string, ev *feedwire.Event) ([]byte, error) {
	b := make([]byte, 0, len(id)+len(ev.Type)+len(ev.Data)+len(ev.Changes)+40)
	b = append(b, `{"id":`...)
	b = AppendString(b, id)
	b = append(b, `,"event":`...)
	b = AppendString(b, string(ev.Type))
	b = append(b, `,"data":`...)
	b, err := appendRaw(b, ev.Data)
	if err != nil {
		return nil, fmt.Errorf("%w: data of event %s", err, ev.ID)
	}
	if len(ev.Changes) > 0 { // omitempty
		b = append(b, `,"changes":`...)
		if b, err = appendRaw(b, ev.Changes); err != nil {
			return nil, fmt.Errorf("%w: changes of event %s", err, ev.ID)
		}
	}
	return append(b, '}'), nil
}
