package wire

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// EventType describes one event type: what triggers it, the JSON Schema of its payload,
// and an example payload.
type EventType struct {
	Name        feedwire.EventType
	Format      feedwire.Format
	Description string
	Schema      json.RawMessage
	Example     json.RawMessage
}

// Catalog returns every event type feedwire emits, in the order the formats' documents
// list them, then the operational types. It builds each example with the same code that builds real events.
func Catalog() ([]EventType, error) {
	var types []EventType
	for _, e := range harvestrExamples() {
		t, err := e.eventType()
		if err != nil {
			return nil, fmt.Errorf("wire: catalog %s: %w", e.name, err)
		}
		types = append(types, t)
	}
	featurebase, err := featurebaseCatalog()
	if err != nil {
		return nil, err
	}
	operational, err := operationalCatalog()
	if err != nil {
		return nil, err
	}
	return slices.Concat(types, featurebase, operational), nil
}

// ExampleEvent returns the example event of an event type, the one the catalog shows,
// or an ErrNotFound error when feedwire has no example of that type.
func ExampleEvent(t feedwire.EventType) (*feedwire.Event, error) {
	for _, e := range harvestrExamples() {
		if e.name == t {
			ev, err := e.event()
			if err != nil {
				return nil, err
			}
			ev.ID, ev.CreatedAt = e.envelopeID, exampleTime("2025-01-15T14:30:00.000Z")
			return ev, nil
		}
	}
	for i, e := range featurebaseExamples() {
		if e.topic == t {
			return e.exampleEvent(i)
		}
	}
	for _, e := range operationalExamples() {
		if e.name == t {
			return e.exampleEvent()
		}
	}
	return nil, feedwire.NotFound("no example of event type %q", t)
}

// example is one harvestr event type with the envelope id and event of its example.
type example struct {
	name        feedwire.EventType
	description string
	envelopeID  string
	data        reflect.Type // the webhook type of the data
	event       func() (*feedwire.Event, error)
}

func (e example) eventType() (EventType, error) {
	enums := map[string][]string{"Message.channel": channelNames()}
	data, err := schemaFor(e.data, enums)
	if err != nil {
		return EventType{}, err
	}
	updated := strings.HasSuffix(string(e.name), "_UPDATED")
	s, err := harvestrSchema(string(e.name), updated, data)
	if err != nil {
		return EventType{}, err
	}
	ev, err := e.event()
	if err != nil {
		return EventType{}, err
	}
	if ev.Type != e.name {
		return EventType{}, fmt.Errorf("example emits %s", ev.Type)
	}
	body, err := HarvestrBody(e.envelopeID, ev)
	if err != nil {
		return EventType{}, err
	}
	return EventType{Name: e.name, Format: feedwire.FormatHarvestr, Description: e.description, Schema: s, Example: body}, nil
}

func channelNames() []string {
	names := make([]string, len(feedwire.Channels))
	for i, c := range feedwire.Channels {
		names[i] = string(c)
	}
	return names
}

// harvestrExamples are the examples of seed 000, field for field, and for the three
// updates the seed does not show, an update of its created example.
func harvestrExamples() []example {
	feedback, discovery, component, message := exampleFeedback(), exampleDiscovery(), exampleComponent(), exampleMessage()
	return []example{
		{feedwire.FeedbackCreated, "A feedback is created", "d7e8f9a0-b1c2-3d4e-5f6a-7b8c9d0e1f2a",
			reflect.TypeFor[webhook.Feedback](), func() (*feedwire.Event, error) { return FeedbackEvent(nil, &feedback) }},
		{feedwire.FeedbackUpdated, "A feedback is updated", "c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f",
			reflect.TypeFor[webhook.Feedback](), func() (*feedwire.Event, error) {
				after := feedback
				after.Starred, after.Score, after.UpdatedAt = true, 5, exampleTime("2025-01-16T10:00:00.000Z")
				return FeedbackEvent(&feedback, &after)
			}},
		{feedwire.DiscoveryCreated, "A discovery is created", "e8f9a0b1-c2d3-4e5f-6a7b-8c9d0e1f2a3b",
			reflect.TypeFor[webhook.Discovery](), func() (*feedwire.Event, error) { return DiscoveryEvent(nil, &discovery) }},
		{feedwire.DiscoveryUpdated, "A discovery is updated", "b1c2d3e4-f5a6-7b8c-9d0e-1f2a3b4c5d6e",
			reflect.TypeFor[webhook.Discovery](), func() (*feedwire.Event, error) {
				after := discovery
				after.Title = "Users want dark mode support (validated)"
				after.DiscoveryStateID = ptr("clxstate2b3c4d5e6f7g8h9i")
				after.UpdatedAt = exampleTime("2025-01-16T09:15:00.000Z")
				return DiscoveryEvent(&discovery, &after)
			}},
		{feedwire.ComponentCreated, "A component is created", "f9a0b1c2-d3e4-5f6a-7b8c-9d0e1f2a3b4c",
			reflect.TypeFor[webhook.Component](), func() (*feedwire.Event, error) { return ComponentEvent(nil, &component) }},
		{feedwire.ComponentUpdated, "A component is updated", "d3e4f5a6-b7c8-4d9e-8f0a-2b3c4d5e6f7a",
			reflect.TypeFor[webhook.Component](), func() (*feedwire.Event, error) {
				after := component
				after.Description = ptr("Main analytics dashboard and reporting module")
				after.UpdatedAt = exampleTime("2025-01-16T11:30:00.000Z")
				return ComponentEvent(&component, &after)
			}},
		{feedwire.MessageCreated, "A message is created", "a0b1c2d3-e4f5-6a7b-8c9d-0e1f2a3b4c5d",
			reflect.TypeFor[webhook.Message](), func() (*feedwire.Event, error) { return MessageEvent(nil, &message) }},
		{feedwire.MessageUpdated, "A message is updated", "e4f5a6b7-c8d9-4e0f-9a1b-3c4d5e6f7a8b",
			reflect.TypeFor[webhook.Message](), func() (*feedwire.Event, error) {
				after := message
				after.Read = true
				after.AssigneeID = ptr("clxa5s6d7f8g9h0j1k2l3z4x")
				after.UpdatedAt = exampleTime("2025-01-15T15:05:00.000Z")
				return MessageEvent(&message, &after)
			}},
	}
}

func exampleFeedback() feedwire.Feedback {
	return feedwire.Feedback{
		ID: "clx1a2b3c4d5e6f7g8h9i0j1", ClientID: "fb_2a3b4c5d6e7f8g9h",
		CreatedAt: exampleTime("2025-01-15T10:30:00.000Z"), UpdatedAt: exampleTime("2025-01-15T10:30:00.000Z"),
		Starred: false, Score: 3,
		MessageID: "clx9k8j7h6g5f4e3d2c1b0a9", DiscoveryID: "clx0a1b2c3d4e5f6g7h8i9j0",
		RequesterID: ptr("clxr3q2w1e0r9t8y7u6i5o4p"), SubmitterID: ptr("clxs4a3s2d1f0g9h8j7k6l5m"),
	}
}

func exampleDiscovery() feedwire.Discovery {
	return feedwire.Discovery{
		ID: "clx2b3c4d5e6f7g8h9i0j1k2", ClientID: "disc_3b4c5d6e7f8g9h0i",
		CreatedAt: exampleTime("2025-01-15T11:00:00.000Z"), UpdatedAt: exampleTime("2025-01-15T11:00:00.000Z"),
		Title:            "Users want dark mode support",
		Description:      ptr("Multiple users have requested a dark mode option in the application settings."),
		DiscoveryStateID: ptr("clxstate1a2b3c4d5e6f7g8h"),
	}
}

func exampleComponent() feedwire.Component {
	return feedwire.Component{
		ID: "clx3c4d5e6f7g8h9i0j1k2l3", ClientID: "comp_4c5d6e7f8g9h0i1j",
		CreatedAt: exampleTime("2025-01-15T12:00:00.000Z"), UpdatedAt: exampleTime("2025-01-15T12:00:00.000Z"),
		Title: "Dashboard", Description: ptr("Main analytics dashboard module"),
	}
}

func exampleMessage() feedwire.Message {
	received := exampleTime("2025-01-15T14:28:00.000Z")
	return feedwire.Message{
		ID: "clx4d5e6f7g8h9i0j1k2l3m4", ClientID: "msg_5d6e7f8g9h0i1j2k",
		CreatedAt: exampleTime("2025-01-15T14:30:00.000Z"), UpdatedAt: exampleTime("2025-01-15T14:30:00.000Z"),
		Title:       "Feature request: export to PDF",
		Content:     "It would be great if we could export reports to PDF directly from the dashboard.",
		Channel:     "INTERCOM",
		RequesterID: "clxr3q2w1e0r9t8y7u6i5o4p", SubmitterID: "clxs4a3s2d1f0g9h8j7k6l5m",
		ReceivedAt:     &received,
		IntegrationURL: ptr("https://app.intercom.com/conversations/12345"),
		IntegrationID:  ptr("intercom_conv_12345"),
	}
}

func exampleTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(fmt.Sprintf("wire: bad example time %q", s)) // a typo in the literals above
	}
	return t
}

func ptr[T any](v T) *T { return &v }
