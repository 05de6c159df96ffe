package wire

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

func TestFeaturebaseGolden(t *testing.T) {
	types := catalog(t, feedwire.FormatFeaturebase)
	if len(types) != len(feedwire.FeaturebaseTopics) {
		t.Errorf("the catalog has %d featurebase topics, want the %d of seed 004", len(types), len(feedwire.FeaturebaseTopics))
	}
	for name, et := range types {
		golden(t, filepath.Join("testdata", "featurebase", string(name)+".json"), indent(t, et.Example))
	}
}

func TestFeaturebaseExamplesMatchSchemas(t *testing.T) {
	for name, et := range catalog(t, feedwire.FormatFeaturebase) {
		t.Run(string(name), func(t *testing.T) {
			s := compileSchema(t, et.Schema)
			if err := s.Validate(decode(t, et.Example)); err != nil {
				t.Errorf("example does not match its schema: %v", err)
			}
			// The schema must also reject what the format never sends.
			var broken map[string]any
			if err := json.Unmarshal(et.Example, &broken); err != nil {
				t.Fatal(err)
			}
			delete(broken["data"].(map[string]any)["item"].(map[string]any), "object")
			if err := s.Validate(broken); err == nil {
				t.Error("schema accepts an item without its object member")
			}
		})
	}
}

// TestFeaturebaseChanges checks the data.changes of an update: every changed field with
// its old and new value, in the item's order, never the fields that move on every write.
func TestFeaturebaseChanges(t *testing.T) {
	before := webhook.Conversation{Object: "conversation", ID: "c1", State: "open",
		LastActivityAt: webhook.NewTime(exampleTime("2025-01-15T10:00:00.000Z")),
		CreatedAt:      webhook.NewTime(exampleTime("2025-01-15T10:00:00.000Z")),
		UpdatedAt:      webhook.NewTime(exampleTime("2025-01-15T10:00:00.000Z"))}
	after := before
	after.State = "snoozed"
	after.SnoozedUntil = ptr(webhook.NewTime(exampleTime("2025-01-16T09:00:00.000Z")))
	after.LastActivityAt = webhook.NewTime(exampleTime("2025-01-15T11:00:00.000Z"))
	after.WaitingSince = ptr(webhook.NewTime(exampleTime("2025-01-15T11:00:00.000Z")))
	after.UpdatedAt = webhook.NewTime(exampleTime("2025-01-15T11:00:00.000Z"))

	ev, err := FeaturebaseEvent("conversation.admin.snoozed", "conversation", before, after)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"field":"state","oldValue":"open","newValue":"snoozed"},` +
		`{"field":"snoozedUntil","oldValue":null,"newValue":"2025-01-16T09:00:00.000Z"}]`
	if string(ev.Changes) != want {
		t.Errorf("changes = %s\nwant      %s", ev.Changes, want)
	}

	only := before
	only.UpdatedAt, only.LastActivityAt = after.UpdatedAt, after.LastActivityAt
	if ev, err := FeaturebaseEvent("conversation.admin.snoozed", "conversation", before, only); err != nil || ev != nil {
		t.Errorf("a write that moved only updatedAt and lastActivityAt emitted %v (%v)", ev, err)
	}
	if ev, err := FeaturebaseEvent("conversation.deleted", "conversation", nil, after); err != nil || ev.Changes != nil {
		t.Errorf("a topic without changes got %s (%v)", ev.Changes, err)
	}
}

func TestFeaturebaseEnvelope(t *testing.T) {
	ev := &feedwire.Event{ID: "0194", WorkspaceID: "org", Type: "conversation.deleted",
		Data: []byte(`{"object":"conversation"}`), ConversationID: "c1",
		ConversationURL: "https://feedwire.example.com/conversations/c1",
		CreatedAt:       exampleTime("2025-01-15T10:00:00.000Z")}
	body, err := FeaturebaseBody("notif_0194", "wh", ev)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"object":"notification_event","id":"notif_0194","topic":"conversation.deleted","organizationId":"org",` +
		`"webhookId":"wh","createdAt":"2025-01-15T10:00:00.000Z","deliveryStatus":"pending","conversationId":"c1",` +
		`"conversationUrl":"https://feedwire.example.com/conversations/c1",` +
		`"data":{"object":"notification_event_data","item":{"object":"conversation"}}}`
	if string(body) != want {
		t.Errorf("body = %s\nwant   %s", body, want)
	}
	ev.Type, ev.Data, ev.ConversationID, ev.ConversationURL = "post.deleted", []byte(`{"object":"post"}`), "", ""
	if body, err := FeaturebaseBody("notif_0194", "wh", ev); err != nil || strings.Contains(string(body), "conversation") {
		t.Errorf("a post topic carries conversation fields: %s (%v)", body, err)
	}
}
