package wire

import (
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// Summary is what a person reads about an event in a chat tool: the slack, discord and
// teams formats render it, each in its own JSON, and templates see it as .Summary.
type Summary struct {
	EventType string    // "post.created"
	Time      time.Time // when the event happened
	// Title says what happened to what: "New post: Dark mode".
	Title string
	// Actor is who did it, "Ada Lovelace (customer)", when the event says: featurebase
	// items name their authors and voters; harvestr data carries only user ids, so
	// harvestr events name the submitter by id; conversation state changes name no one.
	Actor string
	// Text is the content, as plain text, shortened to maxSummaryText characters.
	Text string
	// Facts are a few fields worth a glance, such as a post's status or a message's
	// channel.
	Facts []Fact
	// Changes is what an update changed. The harvestr format gives only new values, so
	// their Old is "".
	Changes []SummaryChange
	// URL is the conversation (conversationUrl) or post (postUrl) the event is about,
	// or a message's integrationUrl; "" when the event carries none.
	URL      string
	URLLabel string // "Open the conversation", …
}

// Fact is one named value of a Summary.
type Fact struct {
	Name, Value string
}

// SummaryChange is one changed field of a Summary, its values as short text.
type SummaryChange struct {
	Field, Old, New string
}

// Bounds of a summary's parts, in characters, well within what each chat tool takes.
const (
	maxSummaryText  = 500
	maxSummaryValue = 100
	maxSummaryItems = 8 // facts, and changes
)

// titles says what happened, per event type.
var titles = map[feedwire.EventType]string{
	feedwire.FeedbackCreated: "New feedback", feedwire.FeedbackUpdated: "Feedback updated",
	feedwire.DiscoveryCreated: "New discovery", feedwire.DiscoveryUpdated: "Discovery updated",
	feedwire.ComponentCreated: "New component", feedwire.ComponentUpdated: "Component updated",
	feedwire.MessageCreated: "New message", feedwire.MessageUpdated: "Message updated",
	"post.created": "New post", "post.updated": "Post updated", "post.deleted": "Post deleted",
	"post.voted": "Post upvoted", "changelog.published": "Changelog published",
	"comment.created": "New comment", "comment.updated": "Comment updated", "comment.deleted": "Comment deleted",
	"conversation.user.created": "New conversation", "conversation.user.replied": "Customer replied",
	"conversation.admin.replied": "Team replied", "conversation.admin.noted": "Internal note added",
	"conversation.admin.closed": "Conversation closed", "conversation.admin.opened": "Conversation reopened",
	"conversation.admin.snoozed": "Conversation snoozed", "conversation.admin.unsnoozed": "Conversation unsnoozed",
	"conversation.admin.assigned": "Conversation assigned", "conversation.priority.updated": "Conversation priority changed",
	"conversation.handover_requested": "Handover to a person requested", "conversation.deleted": "Conversation deleted",
	"conversation.contact.attached": "Participant added", "conversation.contact.detached": "Participant removed",
	"conversation.read": "Conversation read", "conversation_part.redacted": "Message redacted",
}

// Summarize returns the summary of ev, of any of the 32 event types.
func Summarize(ev *feedwire.Event) (Summary, error) {
	s := Summary{EventType: string(ev.Type), Time: ev.CreatedAt, Title: titles[ev.Type]}
	if s.Title == "" {
		return Summary{}, fmt.Errorf("wire: no summary of event type %q", ev.Type)
	}
	var err error
	if ev.Type.Format() == feedwire.FormatHarvestr {
		err = summarizeHarvestr(&s, ev)
	} else {
		err = summarizeFeaturebase(&s, ev)
	}
	if err != nil {
		return Summary{}, fmt.Errorf("wire: summarize %s event %s: %w", ev.Type, ev.ID, err)
	}
	if len(s.Facts) > maxSummaryItems {
		s.Facts = s.Facts[:maxSummaryItems]
	}
	return s, nil
}

func summarizeHarvestr(s *Summary, ev *feedwire.Event) error {
	var err error
	switch ev.Type {
	case feedwire.MessageCreated, feedwire.MessageUpdated:
		var m webhook.Message
		if err = json.Unmarshal(ev.Data, &m); err == nil {
			s.Title += ": " + shorten(m.Title, maxSummaryValue)
			s.Actor, s.Text = "submitted by user "+m.SubmitterID, plainText(m.Content)
			s.Facts = facts("Channel", m.Channel, "Requester", m.RequesterID, "Assignee", deref(m.AssigneeID))
			s.URL, s.URLLabel = deref(m.IntegrationURL), "Open the original message"
		}
	case feedwire.FeedbackCreated, feedwire.FeedbackUpdated:
		var f webhook.Feedback
		if err = json.Unmarshal(ev.Data, &f); err == nil {
			s.Title += ": score " + strconv.FormatFloat(f.Score, 'f', -1, 64)
			s.Actor = "submitted by user " + deref(f.SubmitterID)
			s.Facts = facts("Message", f.MessageID, "Discovery", f.DiscoveryID, "Requester", deref(f.RequesterID),
				"Starred", yesNo(f.Starred))
		}
	case feedwire.DiscoveryCreated, feedwire.DiscoveryUpdated:
		var d webhook.Discovery
		if err = json.Unmarshal(ev.Data, &d); err == nil {
			s.Title += ": " + shorten(d.Title, maxSummaryValue)
			s.Text = plainText(deref(d.Description))
			s.Facts = facts("State", deref(d.DiscoveryStateID), "Parent", deref(d.ParentID))
		}
	case feedwire.ComponentCreated, feedwire.ComponentUpdated:
		var c webhook.Component
		if err = json.Unmarshal(ev.Data, &c); err == nil {
			s.Title += ": " + shorten(c.Title, maxSummaryValue)
			s.Text = plainText(deref(c.Description))
			s.Facts = facts("Parent", deref(c.ParentID))
		}
	default:
		return fmt.Errorf("unknown harvestr event type %q", ev.Type)
	}
	if err != nil || ev.Changes == nil {
		return err
	}
	changed, err := members(ev.Changes)
	for _, m := range changed {
		s.Changes = appendChange(s.Changes, m.Name, nil, m.Value)
	}
	return err
}

func summarizeFeaturebase(s *Summary, ev *feedwire.Event) error {
	var item struct {
		Object string `json:"object"`
	}
	if err := json.Unmarshal(ev.Data, &item); err != nil {
		return err
	}
	var err error
	switch item.Object {
	case "post":
		err = summarizePost(s, ev.Data)
	case "post_vote":
		err = summarizeVote(s, ev.Data)
	case "changelog":
		err = summarizeChangelog(s, ev.Data)
	case "comment":
		err = summarizeComment(s, ev.Data)
	case "conversation":
		err = summarizeConversation(s, ev)
	case "conversation_part":
		err = summarizePart(s, ev)
	default:
		return fmt.Errorf("unknown item object %q", item.Object)
	}
	if err != nil || ev.Changes == nil {
		return err
	}
	var changes []webhook.Change
	if err := json.Unmarshal(ev.Changes, &changes); err != nil {
		return err
	}
	for _, c := range changes {
		s.Changes = appendChange(s.Changes, c.Field, c.OldValue, c.NewValue)
	}
	return nil
}

func summarizePost(s *Summary, data []byte) error {
	var p webhook.Post
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	s.Title += ": " + shorten(p.Title, maxSummaryValue)
	s.Actor, s.Text = author(p.Author), plainText(htmlText(p.Content))
	status := ""
	if p.Status != nil {
		status = p.Status.Name
	}
	s.Facts = facts("Status", status, "Upvotes", fmt.Sprint(p.Upvotes), "Tags", strings.Join(p.Tags, ", "))
	s.URL, s.URLLabel = p.PostURL, "Open the post"
	return nil
}

func summarizeVote(s *Summary, data []byte) error {
	var v webhook.PostVote
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	if v.Action == "remove" {
		s.Title = "Upvote removed"
	}
	s.Actor = personName(v.Voter.Name, v.Voter.Type)
	s.Facts = facts("Post", v.PostID)
	return nil
}

func summarizeChangelog(s *Summary, data []byte) error {
	var c webhook.Changelog
	if err := json.Unmarshal(data, &c); err != nil {
		return err
	}
	s.Title += ": " + shorten(c.Title, maxSummaryValue)
	s.Text = plainText(c.MarkdownContent)
	categories := make([]string, len(c.Categories))
	for i, cat := range c.Categories {
		categories[i] = cat.Name
	}
	s.Facts = facts("Locale", c.Locale, "Categories", strings.Join(categories, ", "))
	return nil
}

func summarizeComment(s *Summary, data []byte) error {
	var c webhook.Comment
	if err := json.Unmarshal(data, &c); err != nil {
		return err
	}
	s.Actor, s.Text = author(c.Author), plainText(htmlText(c.Content))
	private := ""
	if c.IsPrivate {
		private = "yes"
	}
	s.Facts = facts("Post", c.PostID, "Private", private)
	return nil
}

func summarizeConversation(s *Summary, ev *feedwire.Event) error {
	var c webhook.Conversation
	if err := json.Unmarshal(ev.Data, &c); err != nil {
		return err
	}
	s.Title += ": " + shorten(c.Title, maxSummaryValue)
	if ev.Type == "conversation.user.created" && c.Source != nil {
		s.Actor = personName(c.Source.Author.Name, c.Source.Author.Type)
		s.Text = plainText(c.Source.BodyMarkdown)
	}
	snoozed, priority, readBy := "", "", ""
	if c.SnoozedUntil != nil {
		snoozed = c.SnoozedUntil.Time.UTC().Format("2006-01-02 15:04 UTC")
	}
	if c.Priority {
		priority = "yes"
	}
	if n := len(c.ReadReceipts); n > 0 && ev.Type == "conversation.read" {
		readBy = "user " + c.ReadReceipts[n-1].UserID
	}
	s.Facts = facts("State", c.State, "Snoozed until", snoozed, "Priority", priority,
		"Assignee", deref(c.AdminAssigneeID), "Team", deref(c.TeamAssigneeID), "Read by", readBy)
	s.URL, s.URLLabel = ev.ConversationURL, "Open the conversation"
	return nil
}

func summarizePart(s *Summary, ev *feedwire.Event) error {
	var p webhook.ConversationPart
	if err := json.Unmarshal(ev.Data, &p); err != nil {
		return err
	}
	s.Actor = personName(p.Author.Name, p.Author.Type)
	s.Text = plainText(p.BodyMarkdown)
	if p.Redacted {
		s.Text = "(redacted)"
	}
	s.Facts = facts("Kind", strings.ReplaceAll(p.PartType, "_", " "))
	s.URL, s.URLLabel = ev.ConversationURL, "Open the conversation"
	return nil
}

func author(a *webhook.Author) string {
	if a == nil {
		return ""
	}
	return personName(a.Name, a.Type)
}

func personName(name, kind string) string {
	if kind == "" {
		return shorten(name, maxSummaryValue)
	}
	return shorten(name, maxSummaryValue) + " (" + kind + ")"
}

// facts pairs names and values, leaving out the empty values.
func facts(namesAndValues ...string) []Fact {
	var out []Fact
	for i := 0; i+1 < len(namesAndValues); i += 2 {
		if v := namesAndValues[i+1]; v != "" {
			out = append(out, Fact{Name: namesAndValues[i], Value: shorten(v, maxSummaryValue)})
		}
	}
	return out
}

func appendChange(changes []SummaryChange, field string, old, new json.RawMessage) []SummaryChange {
	if len(changes) >= maxSummaryItems {
		return changes
	}
	c := SummaryChange{Field: field, New: valueText(new)}
	if old != nil {
		c.Old = valueText(old)
	}
	return append(changes, c)
}

// valueText shows a JSON value in a few words: a string as itself, null as "none", an
// object by its name (a post status) or id, an array of strings joined.
func valueText(raw json.RawMessage) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return ""
	}
	switch v := v.(type) {
	case nil:
		return "none"
	case string:
		return shorten(plainText(v), maxSummaryValue)
	case map[string]any:
		for _, key := range []string{"name", "title", "id"} {
			if s, ok := v[key].(string); ok {
				return shorten(s, maxSummaryValue)
			}
		}
	case []any:
		var parts []string
		for _, e := range v {
			if m, ok := e.(map[string]any); ok {
				if id, ok := m["id"].(string); ok {
					parts = append(parts, id)
					continue
				}
			}
			b, _ := json.Marshal(e)
			parts = append(parts, strings.Trim(string(b), `"`))
		}
		if len(parts) == 0 {
			return "none"
		}
		return shorten(strings.Join(parts, ", "), maxSummaryValue)
	}
	b, _ := json.Marshal(v)
	return shorten(string(b), maxSummaryValue)
}

var (
	htmlTag = regexp.MustCompile(`<[^>]*>`)
	spaces  = regexp.MustCompile(`\s+`)
)

// htmlText is the text of an HTML fragment: its tags dropped, entities decoded.
func htmlText(s string) string {
	return html.UnescapeString(htmlTag.ReplaceAllString(s, " "))
}

// plainText is s on one line, shortened to maxSummaryText characters.
func plainText(s string) string {
	return shorten(strings.TrimSpace(spaces.ReplaceAllString(s, " ")), maxSummaryText)
}

// shorten cuts s to at most max characters, ending a cut text with "…".
func shorten(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	runes := []rune(s)
	return strings.TrimSpace(string(runes[:max-1])) + "…"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
