package wire

import (
	"fmt"
	"reflect"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

const exampleConversationURL = "https://feedback.example.com/conversations/65a1f0c2e4b3d5a6c7e8fa01"

// conversationExamples are the examples of the 16 conversation topics. Each state
// change is made by the domain's own transitions from one example conversation.
func conversationExamples() []featurebaseExample {
	conversation := reflect.TypeFor[webhook.Conversation]()
	part := reflect.TypeFor[webhook.ConversationPart]()
	change := func(topic feedwire.EventType, patch feedwire.ConversationPatch, from func() feedwire.Conversation) featurebaseExample {
		return featurebaseExample{topic, conversation, func() (*feedwire.Event, error) {
			return exampleTransition(topic, from(), patch)
		}}
	}
	closed := func() feedwire.Conversation {
		c := exampleConversation()
		c.State = feedwire.ConversationClosed
		return c
	}
	snoozed := func() feedwire.Conversation {
		c := exampleConversation()
		c.State, c.SnoozedUntil = feedwire.ConversationSnoozed, ptr(exampleTime("2025-01-16T09:00:00.000Z"))
		return c
	}
	withAnn := func() feedwire.Conversation {
		c := exampleConversation()
		c.Participants = append(c.Participants, feedwire.Participant{UserID: "65a1f0c2e4b3d5a6c7e8fa33", Type: feedwire.UserLead})
		return c
	}
	later := exampleTime("2025-01-15T14:30:00.000Z")
	return []featurebaseExample{
		{"conversation.user.created", conversation, func() (*feedwire.Event, error) {
			c := exampleConversation()
			return ConversationEvent("conversation.user.created", nil, &c, exampleConversationURL)
		}},
		{"conversation.user.replied", part, func() (*feedwire.Event, error) {
			return PartEvent("conversation.user.replied", examplePart(feedwire.PartUserMessage, exampleContact(), "Any news? The export still fails."), exampleConversationURL)
		}},
		{"conversation.admin.replied", part, func() (*feedwire.Event, error) {
			return PartEvent("conversation.admin.replied", examplePart(feedwire.PartAdminMessage, exampleAdmin(), "Thanks Ada, we are looking into it."), exampleConversationURL)
		}},
		{"conversation.admin.noted", part, func() (*feedwire.Event, error) {
			return PartEvent("conversation.admin.noted", examplePart(feedwire.PartAdminNote, exampleAdmin(), "Same CSV bug as last week."), exampleConversationURL)
		}},
		change("conversation.admin.closed", feedwire.ConversationPatch{State: feedwire.Set(feedwire.ConversationClosed)}, exampleConversation),
		change("conversation.admin.opened", feedwire.ConversationPatch{State: feedwire.Set(feedwire.ConversationOpen)}, closed),
		change("conversation.admin.snoozed", feedwire.ConversationPatch{State: feedwire.Set(feedwire.ConversationSnoozed),
			SnoozedUntil: feedwire.Set(exampleTime("2025-01-16T09:00:00.000Z"))}, exampleConversation),
		change("conversation.admin.unsnoozed", feedwire.ConversationPatch{State: feedwire.Set(feedwire.ConversationOpen)}, snoozed),
		change("conversation.admin.assigned", feedwire.ConversationPatch{AdminAssigneeID: feedwire.Set(exampleAdmin().ID)}, exampleConversation),
		change("conversation.priority.updated", feedwire.ConversationPatch{Priority: feedwire.Set(true)}, exampleConversation),
		change("conversation.handover_requested", feedwire.ConversationPatch{BotState: feedwire.Set(feedwire.BotHandedOffHuman)}, exampleConversation),
		{"conversation.deleted", conversation, func() (*feedwire.Event, error) {
			c := exampleConversation()
			return ConversationEvent("conversation.deleted", nil, &c, exampleConversationURL)
		}},
		{"conversation.contact.attached", conversation, func() (*feedwire.Event, error) {
			before, after := exampleConversation(), exampleConversation()
			if err := after.Attach(&feedwire.User{ID: "65a1f0c2e4b3d5a6c7e8fa33", Type: feedwire.UserLead}, later); err != nil {
				return nil, err
			}
			return ConversationEvent("conversation.contact.attached", &before, &after, exampleConversationURL)
		}},
		{"conversation.contact.detached", conversation, func() (*feedwire.Event, error) {
			before, after := withAnn(), withAnn()
			if err := after.Detach("65a1f0c2e4b3d5a6c7e8fa33", later); err != nil {
				return nil, err
			}
			return ConversationEvent("conversation.contact.detached", &before, &after, exampleConversationURL)
		}},
		{"conversation.read", conversation, func() (*feedwire.Event, error) {
			before, after := exampleConversation(), exampleConversation()
			after.MarkRead(exampleAdmin().ID, later)
			return ConversationEvent("conversation.read", &before, &after, exampleConversationURL)
		}},
		{"conversation_part.redacted", part, func() (*feedwire.Event, error) {
			p := examplePart(feedwire.PartUserMessage, exampleContact(), "")
			p.Redacted, p.UpdatedAt = true, later
			return PartEvent("conversation_part.redacted", p, exampleConversationURL)
		}},
	}
}

// exampleTransition applies a patch to a conversation as an admin's PATCH does and
// returns the event of its one step.
func exampleTransition(topic feedwire.EventType, c feedwire.Conversation, patch feedwire.ConversationPatch) (*feedwire.Event, error) {
	steps, err := patch.Transitions(c, exampleTime("2025-01-15T14:30:00.000Z"))
	if err != nil {
		return nil, err
	}
	if len(steps) != 1 || steps[0].Topic != topic {
		return nil, fmt.Errorf("the example patch makes %d steps, not one %s", len(steps), topic)
	}
	return ConversationEvent(topic, &c, &steps[0].After, exampleConversationURL)
}

func exampleContact() feedwire.User {
	return feedwire.User{ID: "65a1f0c2e4b3d5a6c7e8f9c3", Name: "Ada Lovelace", Type: feedwire.UserCustomer}
}

func exampleAdmin() feedwire.User {
	return feedwire.User{ID: "65a1f0c2e4b3d5a6c7e8fa22", Name: "Grace Hopper", Type: feedwire.UserAdmin}
}

func exampleConversation() feedwire.Conversation {
	created := exampleTime("2025-01-15T10:00:00.000Z")
	contact := exampleContact()
	source := examplePart(feedwire.PartUserMessage, contact, "Hi! My **CSV export** fails since this morning.")
	source.ID, source.CreatedAt, source.UpdatedAt = "65a1f0c2e4b3d5a6c7e8fa10", created, created
	return feedwire.Conversation{
		ID: "65a1f0c2e4b3d5a6c7e8fa01", WorkspaceID: exampleOrganizationID, Title: "CSV export fails",
		State:          feedwire.ConversationOpen,
		Participants:   []feedwire.Participant{{UserID: contact.ID, Type: contact.Type}},
		ReadReceipts:   []feedwire.ReadReceipt{},
		LastActivityAt: created, WaitingSince: &created, Source: source,
		CreatedAt: created, UpdatedAt: created,
	}
}

func examplePart(t feedwire.PartType, author feedwire.User, body string) *feedwire.ConversationPart {
	at := exampleTime("2025-01-15T14:25:00.000Z")
	return &feedwire.ConversationPart{
		ID: "65a1f0c2e4b3d5a6c7e8fa11", WorkspaceID: exampleOrganizationID, ConversationID: "65a1f0c2e4b3d5a6c7e8fa01",
		Type: t, Author: feedwire.PartAuthor{ID: author.ID, Name: author.Name, Type: author.Type},
		BodyMarkdown: body, CreatedAt: at, UpdatedAt: at,
	}
}
