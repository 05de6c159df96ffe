package wire

import (
	"html"
	"strings"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// FeaturebaseConversation returns c as the item of the conversation-level topics.
// Tags, brands and language overrides are not part of feedwire yet: they are written
// as an empty list, null and false.
func FeaturebaseConversation(c *feedwire.Conversation) webhook.Conversation {
	participants := make([]webhook.Participant, len(c.Participants))
	for i, p := range c.Participants {
		participants[i] = webhook.Participant{ID: p.UserID, Type: string(p.Type)}
	}
	receipts := make([]webhook.ReadReceipt, len(c.ReadReceipts))
	for i, r := range c.ReadReceipts {
		receipts[i] = webhook.ReadReceipt{UserID: r.UserID, ReadAt: webhook.NewTime(r.ReadAt)}
	}
	out := webhook.Conversation{
		Object: "conversation", ID: c.ID, Title: c.Title, State: string(c.State),
		SnoozedUntil: webhook.NewTimePtr(c.SnoozedUntil),
		Priority:     c.Priority, PrioritySetAt: webhook.NewTimePtr(c.PrioritySetAt),
		AdminAssigneeID: c.AdminAssigneeID, TeamAssigneeID: c.TeamAssigneeID,
		Participants: participants, Tags: []webhook.ConversationTag{}, ReadReceipts: receipts,
		BotConversationStateLastUpdatedAt: webhook.NewTimePtr(c.BotStateUpdatedAt),
		LastActivityAt:                    webhook.NewTime(c.LastActivityAt),
		WaitingSince:                      webhook.NewTimePtr(c.WaitingSince),
		CreatedAt:                         webhook.NewTime(c.CreatedAt), UpdatedAt: webhook.NewTime(c.UpdatedAt),
	}
	if c.BotState != nil {
		state := string(*c.BotState)
		out.BotConversationState = &state
	}
	if c.Source != nil {
		source := FeaturebasePart(c.Source)
		out.Source = &source
	}
	return out
}

// FeaturebasePart returns p as the item of the message-level topics. bodyHtml is the
// markdown rendered as plain paragraphs: its text escaped, blank lines between
// paragraphs and single line breaks kept.
func FeaturebasePart(p *feedwire.ConversationPart) webhook.ConversationPart {
	return webhook.ConversationPart{
		Object: "conversation_part", ID: p.ID, ConversationID: p.ConversationID, PartType: string(p.Type),
		Author:   webhook.PartAuthor{ID: p.Author.ID, Name: p.Author.Name, Type: string(p.Author.Type)},
		BodyHTML: renderParagraphs(p.BodyMarkdown), BodyMarkdown: p.BodyMarkdown,
		TagApplications: []webhook.ConversationTag{}, Redacted: p.Redacted,
		CreatedAt: webhook.NewTime(p.CreatedAt), UpdatedAt: webhook.NewTime(p.UpdatedAt),
	}
}

// renderParagraphs turns text into HTML paragraphs without interpreting markdown: safe,
// and enough for a receiver that shows the message.
func renderParagraphs(text string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
}

// ConversationEvent returns the event of a conversation-level topic: with before nil,
// one without changes (conversation.user.created, conversation.deleted); otherwise one
// whose changes are what differs from before, or nil when nothing does. url is the
// conversation's dashboard link for the envelope.
func ConversationEvent(topic feedwire.EventType, before, after *feedwire.Conversation, url string) (*feedwire.Event, error) {
	var old any
	if before != nil {
		old = FeaturebaseConversation(before)
	}
	ev, err := FeaturebaseEvent(topic, "conversation", old, FeaturebaseConversation(after))
	if ev != nil {
		ev.ConversationID, ev.ConversationURL = after.ID, url
	}
	return ev, err
}

// PartEvent returns the event of a message-level topic about a part. It never has
// changes.
func PartEvent(topic feedwire.EventType, p *feedwire.ConversationPart, url string) (*feedwire.Event, error) {
	ev, err := FeaturebaseEvent(topic, "conversation_part", nil, FeaturebasePart(p))
	if ev != nil {
		ev.ConversationID, ev.ConversationURL = p.ConversationID, url
	}
	return ev, err
}
