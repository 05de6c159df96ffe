package wire

import (
	"strings"
)

// The Block Kit limits a slack body keeps to, in characters.
const (
	slackHeaderMax  = 150  // a header block's plain_text
	slackSectionMax = 3000 // a section's text
	slackFieldsMax  = 10   // a section's fields
)

// slackMessage is the JSON a Slack incoming webhook takes: text, the notification's
// fallback, and the blocks people see.
type slackMessage struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

type slackBlock struct {
	Type     string      `json:"type"` // header, section or context
	Text     *slackText  `json:"text,omitempty"`
	Fields   []slackText `json:"fields,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackText struct {
	Type string `json:"type"` // plain_text or mrkdwn
	Text string `json:"text"`
}

// SlackBody renders s as a Slack incoming-webhook message: a header with the title; who
// did it and the text; the facts as fields; what changed; a link to the conversation or
// post; and the event type and time in small print.
func SlackBody(s Summary) ([]byte, error) {
	blocks := []slackBlock{{Type: "header", Text: &slackText{Type: "plain_text", Text: shorten(s.Title, slackHeaderMax)}}}
	if text := slackIntro(s); text != "" {
		blocks = append(blocks, slackSection(text))
	}
	if len(s.Facts) > 0 {
		fields := make([]slackText, 0, min(len(s.Facts), slackFieldsMax))
		for _, f := range s.Facts[:min(len(s.Facts), slackFieldsMax)] {
			fields = append(fields, slackText{Type: "mrkdwn", Text: "*" + slackEscape(f.Name) + "*\n" + slackEscape(f.Value)})
		}
		blocks = append(blocks, slackBlock{Type: "section", Fields: fields})
	}
	if len(s.Changes) > 0 {
		lines := []string{"*What changed*"}
		for _, c := range s.Changes {
			lines = append(lines, "• *"+slackEscape(c.Field)+"*: "+slackEscape(changeText(c)))
		}
		blocks = append(blocks, slackSection(strings.Join(lines, "\n")))
	}
	if s.URL != "" {
		blocks = append(blocks, slackSection("<"+slackLinkURL(s.URL)+"|"+slackEscape(s.URLLabel)+">"))
	}
	blocks = append(blocks, slackBlock{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: slackEscape(footer(s))}}})
	return marshal(slackMessage{Text: slackEscape(fallback(s)), Blocks: blocks})
}

// slackIntro is who did it, then the text as a quote.
func slackIntro(s Summary) string {
	var lines []string
	if s.Actor != "" {
		lines = append(lines, "by *"+slackEscape(s.Actor)+"*")
	}
	if s.Text != "" {
		lines = append(lines, "> "+slackEscape(s.Text))
	}
	return strings.Join(lines, "\n")
}

func slackSection(text string) slackBlock {
	return slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: shorten(text, slackSectionMax)}}
}

// slackEscape escapes the three characters Slack reads as markup in mrkdwn text, so
// that a customer's "<!channel>" notifies no one.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// slackLinkURL escapes a URL for a <url|label> link, which | and > would end.
func slackLinkURL(u string) string {
	return strings.NewReplacer("&", "&amp;", "<", "%3C", ">", "%3E", "|", "%7C").Replace(u)
}

// changeText shows one change: "old → new", or the new value alone when the format
// does not give the old one.
func changeText(c SummaryChange) string {
	if c.Old == "" {
		return "→ " + c.New
	}
	return c.Old + " → " + c.New
}

// fallback is the one line a notification shows: the title and who did it.
func fallback(s Summary) string {
	if s.Actor == "" {
		return s.Title
	}
	return s.Title + " — " + s.Actor
}

// footer is the event type and time, in small print under the message.
func footer(s Summary) string {
	return s.EventType + " · " + s.Time.UTC().Format("2006-01-02 15:04 UTC") + " · feedwire"
}
