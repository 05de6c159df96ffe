package wire

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// featurebaseTopic is what seed 004 says of one topic: what triggers it, and whether its
// payload has data.changes (update and state-change topics do).
type featurebaseTopic struct {
	description string
	changes     bool
}

// featurebaseTopics are the 24 topics of seed 004.
var featurebaseTopics = map[feedwire.EventType]featurebaseTopic{
	"post.created":                    {"A new post was created", false},
	"post.updated":                    {"An existing post was updated", true},
	"post.deleted":                    {"A post was successfully deleted", false},
	"post.voted":                      {"A post received a vote", false},
	"changelog.published":             {"A new changelog entry was published", false},
	"comment.created":                 {"A new comment was created", false},
	"comment.updated":                 {"An existing comment was updated", true},
	"comment.deleted":                 {"A comment was successfully deleted", false},
	"conversation.user.created":       {"A user started a new conversation", false},
	"conversation.user.replied":       {"A user (contact) replied to a conversation", false},
	"conversation.admin.replied":      {"An admin replied to a conversation", false},
	"conversation.admin.noted":        {"An admin added an internal note to a conversation", false},
	"conversation.admin.closed":       {"An admin closed a conversation", true},
	"conversation.admin.opened":       {"An admin reopened a conversation", true},
	"conversation.admin.snoozed":      {"An admin snoozed a conversation", true},
	"conversation.admin.unsnoozed":    {"A conversation was unsnoozed (manually or automatically)", true},
	"conversation.admin.assigned":     {"A conversation was assigned to an admin or team", true},
	"conversation.priority.updated":   {"A conversation's priority was changed", true},
	"conversation.handover_requested": {"An AI agent requested handover to a human agent", true},
	"conversation.deleted":            {"A conversation was deleted", false},
	"conversation.contact.attached":   {"A contact was added as a participant to a conversation", true},
	"conversation.contact.detached":   {"A contact was removed from a conversation", true},
	"conversation.read":               {"A conversation was marked as read", true},
	"conversation_part.redacted":      {"A conversation part (message) was redacted", false},
}

// featurebaseEnums are the values of the item fields that have a fixed set.
var featurebaseEnums = map[string][]string{
	"Author.type":                       userTypes(),
	"Voter.type":                        userTypes(),
	"Participant.type":                  userTypes(),
	"PartAuthor.type":                   userTypes(),
	"Voter.object":                      {"admin", "contact"},
	"PostVote.action":                   {"add", "remove"},
	"PostStatus.type":                   {"reviewing", "unstarted", "active", "completed", "canceled"},
	"Conversation.state":                {"open", "closed", "snoozed"},
	"Conversation.botConversationState": {"active", "handed_off_to_human", "resolved"},
	"ConversationPart.partType":         {"user_msg", "email_msg", "admin_msg", "bot_msg", "admin_note"},
}

func userTypes() []string {
	names := make([]string, len(feedwire.UserTypes))
	for i, t := range feedwire.UserTypes {
		names[i] = string(t)
	}
	return names
}

// isConversationTopic reports whether the topic's envelope carries conversationId and
// conversationUrl.
func isConversationTopic(t feedwire.EventType) bool {
	return strings.HasPrefix(string(t), "conversation.") || strings.HasPrefix(string(t), "conversation_part.")
}

// The organization and webhook of every featurebase example.
const (
	exampleOrganizationID = "65a1f0c2e4b3d5a6c7e8f901"
	exampleWebhookID      = "65a1f0c2e4b3d5a6c7e8f902"
)

// featurebaseExample is one featurebase topic with the event of its example, built by
// the same code that builds real events.
type featurebaseExample struct {
	topic feedwire.EventType
	item  reflect.Type // the webhook type of data.item
	event func() (*feedwire.Event, error)
}

// featurebaseExamples are the examples of the featurebase topics, in seed 004's order.
func featurebaseExamples() []featurebaseExample {
	examples := append(postExamples(), conversationExamples()...)
	slices.SortStableFunc(examples, func(a, b featurebaseExample) int {
		return slices.Index(feedwire.FeaturebaseTopics, a.topic) - slices.Index(feedwire.FeaturebaseTopics, b.topic)
	})
	return examples
}

// exampleEvent returns the example's event as the catalog shows it: i numbers the
// example, and gives it its id.
func (e featurebaseExample) exampleEvent(i int) (*feedwire.Event, error) {
	ev, err := e.event()
	if err != nil {
		return nil, err
	}
	if ev == nil || ev.Type != e.topic {
		return nil, fmt.Errorf("wire: the example of %s emits %v", e.topic, ev)
	}
	ev.ID = fmt.Sprintf("01946c3a-8f00-7%03x-8a4b-2f6e9c1d3b7a", i)
	ev.WorkspaceID = exampleOrganizationID
	ev.CreatedAt = exampleTime("2025-01-15T14:30:00.000Z")
	return ev, nil
}

func featurebaseCatalog() ([]EventType, error) {
	var types []EventType
	for i, e := range featurebaseExamples() {
		t, err := e.eventType(i)
		if err != nil {
			return nil, fmt.Errorf("wire: catalog %s: %w", e.topic, err)
		}
		types = append(types, t)
	}
	return types, nil
}

func (e featurebaseExample) eventType(i int) (EventType, error) {
	topic, ok := featurebaseTopics[e.topic]
	if !ok {
		return EventType{}, fmt.Errorf("not a topic of seed 004")
	}
	item, err := schemaFor(e.item, featurebaseEnums)
	if err != nil {
		return EventType{}, err
	}
	s, err := featurebaseSchema(e.topic, topic.changes, item)
	if err != nil {
		return EventType{}, err
	}
	ev, err := e.exampleEvent(i)
	if err != nil {
		return EventType{}, err
	}
	if topic.changes != (ev.Changes != nil) {
		return EventType{}, fmt.Errorf("the example has changes %s, the topic has changes: %v", ev.Changes, topic.changes)
	}
	if isConversationTopic(e.topic) != (ev.ConversationID != "") {
		return EventType{}, fmt.Errorf("the example's conversationId %q does not fit its topic", ev.ConversationID)
	}
	body, err := FeaturebaseBody("notif_"+ev.ID, exampleWebhookID, ev)
	if err != nil {
		return EventType{}, err
	}
	return EventType{Name: e.topic, Format: feedwire.FormatFeaturebase, Description: topic.description, Schema: s, Example: body}, nil
}

// featurebaseSchema is the JSON Schema of a featurebase payload of the topic.
func featurebaseSchema(topic feedwire.EventType, changes bool, item schema) (json.RawMessage, error) {
	dataProperties := schema{
		"object": schema{"const": webhook.ObjectNotificationEventData},
		"item":   item,
	}
	dataRequired := []string{"object", "item"}
	if changes {
		dataProperties["changes"] = schema{"type": "array", "minItems": 1, "items": schema{
			"type": "object",
			"properties": schema{
				"field":    schema{"type": "string"},
				"oldValue": schema{},
				"newValue": schema{},
			},
			"required":             []string{"field", "oldValue", "newValue"},
			"additionalProperties": false,
		}}
		dataRequired = append(dataRequired, "changes")
	}
	properties := schema{
		"object":         schema{"const": webhook.ObjectNotificationEvent},
		"id":             schema{"type": "string", "pattern": "^notif_", "description": "notif_ and a UUIDv7: unique per delivery, the same on every retry"},
		"topic":          schema{"const": string(topic)},
		"organizationId": schema{"type": "string"},
		"webhookId":      schema{"type": "string"},
		"createdAt":      schema{"type": "string", "format": "date-time"},
		"deliveryStatus": schema{"type": "string", "enum": []string{webhook.DeliveryStatusPending}},
		"data": schema{
			"type": "object", "properties": dataProperties, "required": dataRequired, "additionalProperties": false,
		},
	}
	required := []string{"object", "id", "topic", "organizationId", "webhookId", "createdAt", "deliveryStatus", "data"}
	if isConversationTopic(topic) {
		properties["conversationId"] = schema{"type": "string"}
		properties["conversationUrl"] = schema{"type": "string", "format": "uri"}
		required = append(required, "conversationId", "conversationUrl")
	}
	return json.Marshal(schema{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"title":                string(topic),
		"type":                 "object",
		"properties":           properties,
		"required":             required,
		"additionalProperties": false,
	})
}
