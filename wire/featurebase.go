package wire

import (
	"bytes"
	"fmt"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// unlistedChanges are the fields a featurebase data.changes never lists: they move on
// every write, so listing them would only hide what a person changed.
var unlistedChanges = []string{"updatedAt", "lastActivityAt", "waitingSince"}

// FeaturebaseEvent returns the event of a featurebase topic about item, the data.item
// of its payload (a webhook.Post, webhook.Comment, …). The resource type names what
// the event log files it under ("post", "conversation", …).
//
// With before nil the event has no data.changes, as on created, deleted and
// message-level topics. Otherwise before is the item before the write, and the event
// lists every field that differs, except updatedAt, lastActivityAt and waitingSince;
// when none does, FeaturebaseEvent returns nil: the write emits nothing.
func FeaturebaseEvent(topic feedwire.EventType, resourceType string, before, item any) (*feedwire.Event, error) {
	data, err := marshal(item)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", resourceType, err)
	}
	ev := &feedwire.Event{Type: topic, ResourceType: resourceType, Data: data}
	if before == nil {
		return ev, nil
	}
	old, err := marshal(before)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", resourceType, err)
	}
	changes, err := diff(old, data, unlistedChanges...)
	if err != nil {
		return nil, err
	}
	if len(changes) == 0 {
		return nil, nil
	}
	if ev.Changes, err = featurebaseChanges(changes); err != nil {
		return nil, err
	}
	return ev, nil
}

// featurebaseChanges writes changes as the featurebase format does: an array of
// {field, oldValue, newValue}, in the item's field order.
func featurebaseChanges(changes []change) ([]byte, error) {
	out := make([]webhook.Change, len(changes))
	for i, c := range changes {
		out[i] = webhook.Change{Field: c.Name, OldValue: c.OldValue, NewValue: c.NewValue}
	}
	return marshal(out)
}

// FeaturebaseBody returns the body of a featurebase-format delivery of ev to a webhook,
// whose envelope id is id: "notif_" and a UUIDv7. It is the encoding of a
// webhook.FeaturebasePayload, written out by hand (see appendRaw).
func FeaturebaseBody(id, webhookID string, ev *feedwire.Event) ([]byte, error) {
	b := make([]byte, 0, len(ev.Data)+len(ev.Changes)+len(ev.ConversationURL)+300)
	b = append(b, `{"object":"`+webhook.ObjectNotificationEvent+`","id":`...)
	b = AppendString(b, id)
	b = append(b, `,"topic":`...)
	b = AppendString(b, string(ev.Type))
	b = append(b, `,"organizationId":`...)
	b = AppendString(b, ev.WorkspaceID)
	b = append(b, `,"webhookId":`...)
	b = AppendString(b, webhookID)
	b = append(b, `,"createdAt":"`...)
	b = ev.CreatedAt.UTC().AppendFormat(b, webhook.TimeLayout)
	b = append(b, `","deliveryStatus":"`+webhook.DeliveryStatusPending+`"`...)
	if ev.ConversationID != "" {
		b = append(b, `,"conversationId":`...)
		b = AppendString(b, ev.ConversationID)
		b = append(b, `,"conversationUrl":`...)
		b = AppendString(b, ev.ConversationURL)
	}
	b = append(b, `,"data":{"object":"`+webhook.ObjectNotificationEventData+`","item":`...)
	b, err := appendRaw(b, ev.Data)
	if err != nil {
		return nil, fmt.Errorf("%w: data of event %s", err, ev.ID)
	}
	if changes := bytes.TrimSpace(ev.Changes); len(changes) > 0 && string(changes) != "null" && string(changes) != "[]" {
		b = append(b, `,"changes":`...) // omitempty: only a list with changes in it
		if b, err = appendRaw(b, changes); err != nil {
			return nil, fmt.Errorf("%w: changes of event %s", err, ev.ID)
		}
	}
	return append(b, "}}"...), nil
}

// Body returns the body of a delivery of ev in the format of its type.
func Body(envelopeID, webhookID string, ev *feedwire.Event) ([]byte, error) {
	switch ev.Type.Format() {
	case feedwire.FormatFeaturebase:
		return FeaturebaseBody(envelopeID, webhookID, ev)
	case feedwire.FormatOperational:
		return OperationalBody(ev)
	}
	return HarvestrBody(envelopeID, ev)
}

// LogPayload returns the payload the event log shows for ev: the body a webhook of its
// format receives, with the event's own id as the envelope id and, in featurebase, an
// empty webhookId, since each delivery fills in its own.
func LogPayload(ev *feedwire.Event) ([]byte, error) {
	return Body(EventEnvelopeID(ev), "", ev)
}

// EventEnvelopeID is the envelope id of ev when it is sent as itself rather than as a
// delivery to a webhook: in the event log and in listen streams. It is the event's id,
// in featurebase with the prefix of its notification ids.
func EventEnvelopeID(ev *feedwire.Event) string {
	if ev.Type.Format() == feedwire.FormatFeaturebase {
		return "notif_" + ev.ID
	}
	return ev.ID
}
