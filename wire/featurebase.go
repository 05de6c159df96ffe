package wire

import (
	"encoding/json"
	"fmt"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// FeaturebaseBody returns the body of a featurebase-format delivery of ev to a webhook,
// whose envelope id is id: "notif_" and a UUIDv7.
func FeaturebaseBody(id, webhookID string, ev *feedwire.Event) ([]byte, error) {
	p := webhook.FeaturebasePayload{
		Object: webhook.ObjectNotificationEvent, ID: id, Topic: string(ev.Type),
		OrganizationID: ev.WorkspaceID, WebhookID: webhookID, CreatedAt: webhook.NewTime(ev.CreatedAt),
		DeliveryStatus: webhook.DeliveryStatusPending,
		Data:           webhook.FeaturebaseData{Object: webhook.ObjectNotificationEventData, Item: ev.Data},
	}
	if ev.Changes != nil {
		if err := json.Unmarshal(ev.Changes, &p.Data.Changes); err != nil {
			return nil, fmt.Errorf("wire: changes of event %s: %w", ev.ID, err)
		}
	}
	return marshal(p)
}

// Body returns the body of a delivery of ev in the format of its type.
func Body(envelopeID, webhookID string, ev *feedwire.Event) ([]byte, error) {
	if ev.Type.Format() == feedwire.FormatFeaturebase {
		return FeaturebaseBody(envelopeID, webhookID, ev)
	}
	return HarvestrBody(envelopeID, ev)
}
