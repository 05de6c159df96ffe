package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

var chatFormats = []feedwire.Format{feedwire.FormatSlack, feedwire.FormatDiscord, feedwire.FormatTeams}

// chatSchema compiles testdata/chat/<format>.schema.json: the tool's incoming-webhook
// JSON as its documentation describes it, with its limits.
func chatSchema(t *testing.T, f feedwire.Format) *jsonschema.Schema {
	t.Helper()
	raw, err := os.ReadFile("testdata/chat/" + string(f) + ".schema.json")
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("schema.json", decode(t, raw)); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("compile %s schema: %v", f, err)
	}
	return s
}

// TestChatBodiesMatchToolShapes renders the example of each of the 32 event types in
// each chat format and checks it against the tool's documented shape.
func TestChatBodiesMatchToolShapes(t *testing.T) {
	types := feedwire.EventTypesOf(feedwire.FormatSlack)
	if len(types) != 32 {
		t.Fatalf("a chat format takes %d event types, want 32", len(types))
	}
	checked := 0
	for _, f := range chatFormats {
		schema := chatSchema(t, f)
		for _, et := range types {
			ev, err := ExampleEvent(et)
			if err != nil {
				t.Fatal(err)
			}
			body, err := ChatBody(f, ev)
			if err != nil {
				t.Fatalf("%s body of %s: %v", f, et, err)
			}
			checkChatBody(t, f, schema, body, titles[et])
			checked++
		}
	}
	t.Logf("%d chat bodies (3 formats × 32 event types) match their tool's shape", checked)
}

// TestChatBodiesOfHostileContent checks that long and markup-laden content stays within
// the tools' limits and notifies no one.
func TestChatBodiesOfHostileContent(t *testing.T) {
	long := strings.Repeat("Dark <b>mode</b> & <!channel> @everyone ", 3000)
	post := webhook.Post{
		Object: "post", ID: "p1", PostURL: "https://feedback.example.com/p/a?b=1&c=<2>|3", Title: strings.Repeat("Ω", 500),
		Content: long, Author: &webhook.Author{Name: strings.Repeat("A", 300), Type: "customer"},
		Tags: []string{strings.Repeat("t", 300)},
	}
	before := post
	before.Title, before.Content = "old", "old"
	ev, err := FeaturebaseEvent("post.updated", "post", &before, &post)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range chatFormats {
		body, err := ChatBody(f, ev)
		if err != nil {
			t.Fatal(err)
		}
		checkChatBody(t, f, chatSchema(t, f), body, "Post updated")
		if f == feedwire.FormatSlack && bytes.Contains(body, []byte("<!channel>")) {
			t.Errorf("the slack body keeps <!channel> as markup: %.200s", body)
		}
	}
}

func checkChatBody(t *testing.T, f feedwire.Format, schema *jsonschema.Schema, body []byte, title string) {
	t.Helper()
	v := decode(t, body)
	if err := schema.Validate(v); err != nil {
		t.Errorf("%s body does not match the tool's shape: %v\n%s", f, err, body)
		return
	}
	if !bytes.Contains(body, []byte(title)) {
		t.Errorf("%s body lacks the title %q: %s", f, title, body)
	}
	switch f {
	case feedwire.FormatSlack:
		checkSlackMarkup(t, body)
	case feedwire.FormatDiscord:
		checkDiscordTotal(t, body)
	}
}

// slackLink is the one markup feedwire writes in mrkdwn: <https://…|label>.
var slackLink = regexp.MustCompile(`<https?://[^|<>]+\|[^<>]*>`)

// slackQuote is the other: "> " at the start of a line quotes it.
var slackQuote = regexp.MustCompile(`(?m)^> `)

// checkSlackMarkup requires every < of a mrkdwn text to open a link: any other would
// be Slack markup from the content, such as <!channel>.
func checkSlackMarkup(t *testing.T, body []byte) {
	t.Helper()
	var m slackMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	texts := []string{m.Text}
	for _, b := range m.Blocks {
		if b.Text != nil && b.Text.Type == "mrkdwn" {
			texts = append(texts, b.Text.Text)
		}
		for _, f := range append(b.Fields, b.Elements...) {
			texts = append(texts, f.Text)
		}
	}
	for _, text := range texts {
		rest := slackQuote.ReplaceAllString(slackLink.ReplaceAllString(text, ""), "")
		if strings.ContainsAny(rest, "<>") {
			t.Errorf("slack mrkdwn with markup other than a link: %.200q", text)
		}
	}
}

// checkDiscordTotal requires the text of all embeds together to be at most 6000
// characters, Discord's limit.
func checkDiscordTotal(t *testing.T, body []byte) {
	t.Helper()
	var m discordMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, e := range m.Embeds {
		total += utf8.RuneCountInString(e.Title + e.Description + e.Footer.Text)
		if e.Author != nil {
			total += utf8.RuneCountInString(e.Author.Name)
		}
		for _, f := range e.Fields {
			total += utf8.RuneCountInString(f.Name + f.Value)
		}
	}
	if total > 6000 {
		t.Errorf("discord embeds hold %d characters, more than 6000", total)
	}
}

// TestChatLinks checks that a chat message links to the conversation or post its event
// carries.
func TestChatLinks(t *testing.T) {
	for _, et := range feedwire.EventTypesOf(feedwire.FormatSlack) {
		ev, err := ExampleEvent(et)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Summarize(ev)
		if err != nil {
			t.Fatal(err)
		}
		var want string
		switch {
		case ev.ConversationURL != "":
			want = ev.ConversationURL
		case strings.HasPrefix(string(et), "post.") && et != "post.voted":
			want = "https://feedback.example.com/p/dark-mode"
		case et == feedwire.MessageCreated || et == feedwire.MessageUpdated:
			want = "https://app.intercom.com/conversations/12345"
		}
		if s.URL != want {
			t.Errorf("%s links to %q, want %q", et, s.URL, want)
		}
		if s.Title == "" {
			t.Errorf("%s has no title", et)
		}
	}
}

// TestSlackBodiesToQuote prints the slack body of a conversation event and of a post
// event, as a receiver gets them.
func TestSlackBodiesToQuote(t *testing.T) {
	for _, et := range []feedwire.EventType{"conversation.user.replied", "post.updated"} {
		ev, err := ExampleEvent(et)
		if err != nil {
			t.Fatal(err)
		}
		body, err := ChatBody(feedwire.FormatSlack, ev)
		if err != nil {
			t.Fatal(err)
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, body, "", "  "); err != nil {
			t.Fatal(err)
		}
		t.Logf("slack body of %s:\n%s", et, pretty.String())
	}
}

func TestCheckTemplate(t *testing.T) {
	all := feedwire.EventTypesOf(feedwire.FormatTemplate)
	tests := []struct {
		name     string
		template feedwire.WebhookTemplate
		topics   []feedwire.EventType
		want     string // in the problem; "" when the template is fine
	}{
		{"every type", feedwire.WebhookTemplate{
			Body:        `{"text": {{json .Summary.Title}}, "type": {{json .Type}}, "id": {{json .ID}}, "link": {{json .Summary.URL}}}`,
			ContentType: "application/json",
		}, all, ""},
		{"plain text", feedwire.WebhookTemplate{Body: `{{.Type}} at {{.Time.Unix}}: {{.Summary.Title}}`, ContentType: "text/plain"}, all, ""},
		{"a key some types have", feedwire.WebhookTemplate{
			Body: `{{with index .Payload "conversationUrl"}}{{.}}{{else}}none{{end}}`, ContentType: "text/plain",
		}, all, ""},
		{"featurebase fields on featurebase topics", feedwire.WebhookTemplate{
			Body: `{{.Payload.data.item.title}}`, ContentType: "text/plain",
		}, []feedwire.EventType{"post.created", "post.updated"}, ""},
		{"parse error", feedwire.WebhookTemplate{Body: "{{.Type", ContentType: "text/plain"}, all, "does not parse"},
		{"fails on one type", feedwire.WebhookTemplate{
			Body: `{{.Payload.data.item.title}}`, ContentType: "text/plain",
		}, []feedwire.EventType{"post.created", feedwire.MessageCreated}, "fails on the example of MESSAGE_CREATED"},
		{"unknown function", feedwire.WebhookTemplate{Body: `{{upper .Type}}`, ContentType: "text/plain"}, all, "does not parse"},
		{"not JSON", feedwire.WebhookTemplate{Body: `{"text": "{{.Summary.Title}}`, ContentType: "application/json"}, all, "not JSON"},
		{"missing method", feedwire.WebhookTemplate{Body: `{{.Nope}}`, ContentType: "text/plain"}, all, "fails on the example of"},
		{"typo in a key", feedwire.WebhookTemplate{Body: `{{.Payload.data.titel}}`, ContentType: "text/plain"},
			[]feedwire.EventType{feedwire.MessageCreated}, "map has no entry for key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckTemplate(tt.template, tt.topics)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckTemplate: %v", err)
				}
				return
			}
			var fe *feedwire.Error
			if !errors.As(err, &fe) || len(fe.Problems) == 0 {
				t.Fatalf("CheckTemplate = %v, want problems", err)
			}
			if p := fe.Problems[0]; p.Field != "template.body" || !strings.Contains(p.Message, tt.want) {
				t.Errorf("got problem %s: %s, want one on template.body with %q", p.Field, p.Message, tt.want)
			}
		})
	}
}

func TestRenderTemplateBound(t *testing.T) {
	tmpl, err := ParseTemplate(`{{range $i, $e := .Payload}}{{range $j, $f := $.Payload}}{{range $k, $g := $.Payload}}{{$.Payload}}{{end}}{{end}}{{end}}`)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := ExampleEvent("conversation.user.created")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := RenderTemplate(tmpl, "id", "webhook", ev); !errors.Is(err, errBodyTooLarge) {
		t.Errorf("a template that writes without end: got %v, want errBodyTooLarge", err)
	}
}

func TestRendererKeepsTemplates(t *testing.T) {
	var r Renderer
	w := &feedwire.Webhook{ID: "w1", Format: feedwire.FormatTemplate,
		Template: &feedwire.WebhookTemplate{Body: `{{.Type}} {{.ID}}`, ContentType: "text/plain; charset=utf-8"}}
	ev, err := ExampleEvent(feedwire.MessageCreated)
	if err != nil {
		t.Fatal(err)
	}
	body, contentType, err := r.Body("env-1", w, ev)
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != "MESSAGE_CREATED env-1" || contentType != "text/plain; charset=utf-8" {
		t.Errorf("got %q as %q", body, contentType)
	}
	if len(r.templates) != 1 {
		t.Errorf("the renderer keeps %d templates, want 1", len(r.templates))
	}
}
