package wire

import (
	"strings"

	"github.com/feedwire/feedwire/webhook"
)

// The embed limits a discord body keeps to, in characters; all of an embed's text
// together stays under 6000.
const (
	discordTitleMax       = 256
	discordDescriptionMax = 2000 // of Discord's 4096, to leave room for the fields
	discordFieldNameMax   = 256
	discordFieldValueMax  = 1024
)

// Embed colours: green for what is new, blue for changes, red for deletions, grey for
// the rest.
const (
	colorCreated = 0x2EB67D
	colorUpdated = 0x1D9BD1
	colorDeleted = 0xE01E5A
	colorOther   = 0x8A8F98
)

// discordMessage is the JSON a Discord webhook executes: one embed, and no mentions,
// so that a customer's "@everyone" pings no one.
type discordMessage struct {
	Embeds          []discordEmbed  `json:"embeds"`
	AllowedMentions discordMentions `json:"allowed_mentions"`
}

type discordMentions struct {
	Parse []string `json:"parse"`
}

type discordEmbed struct {
	Title       string         `json:"title"`
	URL         string         `json:"url,omitempty"`
	Description string         `json:"description,omitempty"`
	Color       int            `json:"color"`
	Author      *discordName   `json:"author,omitempty"`
	Fields      []discordField `json:"fields,omitempty"`
	Footer      discordName    `json:"footer"`
	Timestamp   webhook.Time   `json:"timestamp"`
}

// discordName is an embed's author ({"name"}) or footer ({"text"}).
type discordName struct {
	Name string `json:"name,omitempty"`
	Text string `json:"text,omitempty"`
}

type discordField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline"`
}

// DiscordBody renders s as a Discord webhook message: one embed whose title links to
// the conversation or post, by who did it, with the text, the facts as inline fields,
// what changed, and the event type and time.
func DiscordBody(s Summary) ([]byte, error) {
	e := discordEmbed{
		Title: shorten(s.Title, discordTitleMax), URL: s.URL, Description: shorten(s.Text, discordDescriptionMax),
		Color: colorOf(s.EventType), Footer: discordName{Text: s.EventType + " · feedwire"}, Timestamp: webhook.NewTime(s.Time),
	}
	if s.Actor != "" {
		e.Author = &discordName{Name: shorten(s.Actor, discordFieldNameMax)}
	}
	for _, f := range s.Facts {
		e.Fields = append(e.Fields, discordField{Name: shorten(f.Name, discordFieldNameMax), Value: f.Value, Inline: true})
	}
	if len(s.Changes) > 0 {
		lines := make([]string, len(s.Changes))
		for i, c := range s.Changes {
			lines[i] = "**" + c.Field + "**: " + changeText(c)
		}
		e.Fields = append(e.Fields, discordField{Name: "What changed", Value: shorten(strings.Join(lines, "\n"), discordFieldValueMax)})
	}
	return marshal(discordMessage{Embeds: []discordEmbed{e}, AllowedMentions: discordMentions{Parse: []string{}}})
}

// colorOf picks an embed's colour from the last word of its event type.
func colorOf(eventType string) int {
	t := strings.ToLower(eventType)
	switch {
	case strings.HasSuffix(t, "created"), strings.HasSuffix(t, "published"):
		return colorCreated
	case strings.HasSuffix(t, "deleted"), strings.HasSuffix(t, "redacted"):
		return colorDeleted
	case strings.HasSuffix(t, "updated"):
		return colorUpdated
	}
	return colorOther
}
