package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// reflectedBody is a delivery's body as encoding/json writes its payload type: what
// HarvestrBody and FeaturebaseBody write out by hand.
func reflectedBody(t *testing.T, id, webhookID string, ev *feedwire.Event) []byte {
	t.Helper()
	var v any
	switch ev.Type.Format() {
	case feedwire.FormatHarvestr:
		v = webhook.HarvestrPayload{ID: id, Event: string(ev.Type), Data: ev.Data, Changes: ev.Changes}
	case feedwire.FormatFeaturebase:
		p := webhook.FeaturebasePayload{
			Object: webhook.ObjectNotificationEvent, ID: id, Topic: string(ev.Type),
			OrganizationID: ev.WorkspaceID, WebhookID: webhookID, CreatedAt: webhook.NewTime(ev.CreatedAt),
			DeliveryStatus: webhook.DeliveryStatusPending,
			Data:           webhook.FeaturebaseData{Object: webhook.ObjectNotificationEventData, Item: ev.Data},
		}
		if ev.ConversationID != "" {
			p.ConversationID, p.ConversationURL = &ev.ConversationID, &ev.ConversationURL
		}
		if ev.Changes != nil {
			if err := json.Unmarshal(ev.Changes, &p.Data.Changes); err != nil {
				t.Fatal(err)
			}
		}
		v = p
	default:
		t.Fatalf("no payload type for %s", ev.Type)
	}
	b, err := marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBodiesAreThePayloadTypes: the bodies written out by hand are, byte for byte, what
// encoding/json makes of the payload types, for every vendor event type, with ids and
// names that need escaping, data that is not compact, and changes that are empty.
func TestBodiesAreThePayloadTypes(t *testing.T) {
	variants := []struct {
		name string
		edit func(ev *feedwire.Event) (id, webhookID string)
	}{
		{"as in the catalog", func(ev *feedwire.Event) (string, string) { return "notif_" + ev.ID, exampleWebhookID }},
		{"ids that need escaping", func(ev *feedwire.Event) (string, string) {
			ev.WorkspaceID, ev.ConversationURL = "ws \"é\" <&>\n", ev.ConversationURL+"?a=1&b=<2>"
			return "id\\with\"quotes\u2028", "hook\t1"
		}},
		{"data not compact", func(ev *feedwire.Event) (string, string) {
			var indented bytes.Buffer
			json.Indent(&indented, ev.Data, "", "  ")
			ev.Data = indented.Bytes()
			return ev.ID, "w"
		}},
		{"empty changes", func(ev *feedwire.Event) (string, string) {
			if ev.Type.Format() == feedwire.FormatFeaturebase {
				ev.Changes = json.RawMessage(`[]`)
			}
			return ev.ID, "w"
		}},
	}
	for _, et := range feedwire.VendorEventTypes {
		for _, v := range variants {
			ev, err := ExampleEvent(et)
			if err != nil {
				t.Fatal(err)
			}
			ev.WorkspaceID = "ws_1"
			id, webhookID := v.edit(ev)
			got, err := Body(id, webhookID, ev)
			if err != nil {
				t.Fatalf("%s, %s: %v", et, v.name, err)
			}
			if want := reflectedBody(t, id, webhookID, ev); !bytes.Equal(got, want) {
				t.Errorf("%s, %s:\ngot  %s\nwant %s", et, v.name, got, want)
			}
		}
	}
	ev, _ := ExampleEvent(feedwire.MessageCreated)
	ev.Data = json.RawMessage(`{"broken": `)
	if _, err := Body(ev.ID, "w", ev); err == nil {
		t.Error("a body of data that is neither compact nor JSON was built")
	}
}

func BenchmarkHarvestrBody(b *testing.B) {
	ev, err := ExampleEvent(feedwire.MessageCreated)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := HarvestrBody(ev.ID, ev); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleHarvestrBody() {
	ev := &feedwire.Event{Type: feedwire.ComponentCreated, Data: json.RawMessage(`{"id":"c1","title":"Dashboard"}`)}
	body, _ := HarvestrBody("d7e8f9a0-b1c2-3d4e-5f6a-7b8c9d0e1f2a", ev)
	fmt.Println(string(body))
	// Output: {"id":"d7e8f9a0-b1c2-3d4e-5f6a-7b8c9d0e1f2a","event":"COMPONENT_CREATED","data":{"id":"c1","title":"Dashboard"}}
}

func BenchmarkHarvestrBodyReflected(b *testing.B) {
	ev, err := ExampleEvent(feedwire.MessageCreated)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := marshal(webhook.HarvestrPayload{ID: ev.ID, Event: string(ev.Type), Data: ev.Data, Changes: ev.Changes}); err != nil {
			b.Fatal(err)
		}
	}
}
