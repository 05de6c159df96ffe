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

// featurebaseTopic is what seed 004, and feedwire's decisions where the seed leaves a
// choice, say of one topic: what triggers it, the item fields its data.changes may list
// (none: its payload has no data.changes), and the rules its item follows.
type featurebaseTopic struct {
	description string
	changes     []string
	item        []rule
}

// featurebaseTopics are the 24 topics of seed 004.
var featurebaseTopics = map[feedwire.EventType]featurebaseTopic{
	"post.created":                    {"A new post was created", nil, postRules},
	"post.updated":                    {"An existing post was updated", postChanges, postRules},
	"post.deleted":                    {"A post was successfully deleted", nil, postRules},
	"post.voted":                      {"A post received a vote", nil, nil},
	"changelog.published":             {"A new changelog entry was published", nil, nil},
	"comment.created":                 {"A new comment was created", nil, nil},
	"comment.updated":                 {"An existing comment was updated", commentChanges, nil},
	"comment.deleted":                 {"A comment was successfully deleted", nil, nil},
	"conversation.user.created":       {"A user started a new conversation", nil, startedRules},
	"conversation.user.replied":       {"A user (contact) replied to a conversation", nil, userReplyRules},
	"conversation.admin.replied":      {"An admin replied to a conversation", nil, adminReplyRules},
	"conversation.admin.noted":        {"An admin added an internal note to a conversation", nil, noteRules},
	"conversation.admin.closed":       {"An admin closed a conversation", stateChanges, state(feedwire.ConversationClosed)},
	"conversation.admin.opened":       {"An admin reopened a conversation", stateChanges, state(feedwire.ConversationOpen)},
	"conversation.admin.snoozed":      {"An admin snoozed a conversation", stateChanges, snoozedRules},
	"conversation.admin.unsnoozed":    {"A conversation was unsnoozed (manually or automatically)", stateChanges, unsnoozedRules},
	"conversation.admin.assigned":     {"A conversation was assigned to an admin or team", assignChanges, nil},
	"conversation.priority.updated":   {"A conversation's priority was changed", priorityChanges, nil},
	"conversation.handover_requested": {"An AI agent requested handover to a human agent", botChanges, handoverRules},
	"conversation.deleted":            {"A conversation was deleted", nil, nil},
	"conversation.contact.attached":   {"A contact was added as a participant to a conversation", participantChanges, nil},
	"conversation.contact.detached":   {"A contact was removed from a conversation", participantChanges, nil},
	"conversation.read":               {"A conversation was marked as read", []string{"readReceipts"}, nil},
	"conversation_part.redacted":      {"A conversation part (message) was redacted", nil, redactedRules},
}

// Who may do what: contacts are the users the team talks to, the only ones who take
// part in, start and reply to conversations; the team (admins and the AI agent) answers
// them; bots neither author posts nor vote, and their messages are never redacted.
var (
	contacts = []feedwire.UserType{feedwire.UserCustomer, feedwire.UserLead}
	team     = []feedwire.UserType{feedwire.UserAdmin, feedwire.UserBot}
	humans   = []feedwire.UserType{feedwire.UserAdmin, feedwire.UserCustomer, feedwire.UserLead}
)

// The fields each update topic may list in data.changes.
var (
	// postChanges are all the fields of a post but its identity and timestamps, taken
	// from the payload type so that a new field is not forgotten.
	postChanges    = jsonNames(reflect.TypeFor[webhook.Post](), "object", "id", "createdAt", "updatedAt")
	commentChanges = []string{"content", "isPrivate", "isPinned", "author"}
	// stateChanges: leaving snoozed clears snoozedUntil.
	stateChanges       = []string{"state", "snoozedUntil"}
	assignChanges      = []string{"adminAssigneeId", "teamAssigneeId"}
	priorityChanges    = []string{"priority", "prioritySetAt"}
	botChanges         = []string{"botConversationState", "botConversationStateLastUpdatedAt"}
	participantChanges = []string{"participants"}
)

// The rules of each topic's item, beyond what its payload type says.
var (
	postRules = []rule{{"author.type", oneOf(humans...)}}
	// startedRules: a contact starts a conversation with a message in the messenger.
	startedRules = state(feedwire.ConversationOpen,
		rule{"source", notNull},
		rule{"source.partType", is(feedwire.PartUserMessage)},
		rule{"source.author.type", oneOf(contacts...)})
	snoozedRules    = state(feedwire.ConversationSnoozed, rule{"snoozedUntil", notNull})
	unsnoozedRules  = state(feedwire.ConversationOpen, rule{"snoozedUntil", is(nil)})
	handoverRules   = []rule{{"botConversationState", is(feedwire.BotHandedOffHuman)}}
	userReplyRules  = partRules(false, contacts, feedwire.PartUserMessage, feedwire.PartEmailMessage)
	adminReplyRules = partRules(false, team, feedwire.PartAdminMessage, feedwire.PartBotMessage, feedwire.PartEmailMessage)
	noteRules       = partRules(false, []feedwire.UserType{feedwire.UserAdmin}, feedwire.PartAdminNote)
	// redactedRules: seed 004 redacts "any human message part variant", never a bot's
	// message, and a redaction empties the bodies.
	redactedRules = append(partRules(true, humans,
		feedwire.PartUserMessage, feedwire.PartEmailMessage, feedwire.PartAdminMessage, feedwire.PartAdminNote),
		rule{"bodyMarkdown", is("")}, rule{"bodyHtml", is("")})
)

// state returns the rules of a conversation in state s, followed by more.
func state(s feedwire.ConversationState, more ...rule) []rule {
	return append([]rule{{"state", is(s)}}, more...)
}

// partRules are the rules of a message-level topic: which part types it carries, who
// writes them, and whether it announces a redaction.
func partRules(redacted bool, authors []feedwire.UserType, parts ...feedwire.PartType) []rule {
	return []rule{
		{"partType", oneOf(parts...)},
		{"author.type", oneOf(authors...)},
		{"redacted", is(redacted)},
	}
}

// featurebaseEnums are the values of the item fields that have a fixed set, whatever
// the topic. An object member has one value, the name of its type.
var featurebaseEnums = map[string][]string{
	"Post.object":                       {"post"},
	"PostStatus.object":                 {"post_status"},
	"PostVote.object":                   {"post_vote"},
	"Comment.object":                    {"comment"},
	"Changelog.object":                  {"changelog"},
	"Conversation.object":               {"conversation"},
	"ConversationPart.object":           {"conversation_part"},
	"Author.type":                       names(feedwire.UserTypes),
	"Voter.type":                        names(humans),
	"Participant.type":                  names(contacts),
	"PartAuthor.type":                   names(feedwire.UserTypes),
	"Voter.object":                      {"admin", "contact"},
	"PostVote.action":                   {"add", "remove"},
	"PostStatus.type":                   {"reviewing", "unstarted", "active", "completed", "canceled"},
	"Conversation.state":                {"open", "closed", "snoozed"},
	"Conversation.botConversationState": {"active", "handed_off_to_human", "resolved"},
	"ConversationPart.partType":         names(feedwire.PartTypes),
}

func names[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
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
	if err := narrow(item, topic.item); err != nil {
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
	if (topic.changes != nil) != (ev.Changes != nil) {
		return EventType{}, fmt.Errorf("the example has changes %s, the topic changes %v", ev.Changes, topic.changes)
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

// featurebaseSchema is the JSON Schema of a featurebase payload of the topic, whose
// data.changes may list the changes fields of item, and has none when changes is nil.
func featurebaseSchema(topic feedwire.EventType, changes []string, item schema) (json.RawMessage, error) {
	dataProperties := schema{
		"object": schema{"const": webhook.ObjectNotificationEventData},
		"item":   item,
	}
	dataRequired := []string{"object", "item"}
	if changes != nil {
		s, err := changesSchema(changes, item)
		if err != nil {
			return nil, err
		}
		dataProperties["changes"] = s
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

// changesSchema is the schema of a data.changes that may list the fields of item.
func changesSchema(fields []string, item schema) (schema, error) {
	for _, f := range fields {
		if _, ok := item["properties"].(schema)[f]; !ok {
			return nil, fmt.Errorf("the item has no field %q to change", f)
		}
	}
	return schema{"type": "array", "minItems": 1, "items": schema{
		"type": "object",
		"properties": schema{
			"field":    schema{"type": "string", "enum": fields},
			"oldValue": schema{},
			"newValue": schema{},
		},
		"required":             []string{"field", "oldValue", "newValue"},
		"additionalProperties": false,
	}}, nil
}
