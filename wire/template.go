package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"text/template"
	"time"

	"github.com/feedwire/feedwire"
)

// TemplateData is what a template-format webhook's template sees, as the dot:
//
//	{{.ID}}         the envelope id of the delivery: the webhook-id header, the same on every retry
//	{{.EventID}}    the event's id, as GET /v1/events/{id} takes it
//	{{.Type}}       the event type: "post.created", "MESSAGE_CREATED", …
//	{{.Format}}     the vendor format of that type: "featurebase" or "harvestr"
//	{{.WebhookID}}  the webhook's id
//	{{.Time}}       when the event happened, a time.Time ({{.Time.Unix}}, {{.Time.Format "2006-01-02"}})
//	{{.Payload}}    the body a webhook of the type's vendor format would get, decoded:
//	                objects are maps, so {{.Payload.data.item.title}} or {{.Payload.data.title}}
//	{{.Summary}}    what the chat formats show: .Title, .Actor, .Text, .URL, .URLLabel,
//	                .Facts (each .Name, .Value) and .Changes (each .Field, .Old, .New)
//
// A key the payload lacks is an error: {{index .Payload "conversationUrl"}} reads a key
// that only some types have (nothing when it is missing), and {{with …}} writes a part
// only when it has a value. Besides text/template's own functions, {{json X}} writes X
// as JSON (a string quoted and escaped), which keeps a JSON body valid whatever the
// text holds.
type TemplateData struct {
	ID        string
	EventID   string
	Type      string
	Format    string
	WebhookID string
	Time      time.Time
	Payload   any
	Summary   Summary
}

var templateFuncs = template.FuncMap{"json": templateJSON}

// templateJSON encodes v as JSON, without escaping <, > and &, as the vendor bodies do.
func templateJSON(v any) (string, error) {
	b, err := marshal(v)
	return string(b), err
}

// ParseTemplate parses the body of a template-format webhook.
func ParseTemplate(body string) (*template.Template, error) {
	// A key the payload lacks is an error, not "<no value>": a typo, or a field of
	// another type's payload, then fails at registration (CheckTemplate).
	return template.New("template.body").Funcs(templateFuncs).Option("missingkey=error").Parse(body)
}

// errBodyTooLarge stops a template whose output would pass feedwire.MaxEventSize.
var errBodyTooLarge = fmt.Errorf("the body is larger than %d bytes", feedwire.MaxEventSize)

// RenderTemplate renders t for the delivery of ev, whose envelope id is envelopeID, to
// the webhook webhookID. The body is at most feedwire.MaxEventSize bytes.
func RenderTemplate(t *template.Template, envelopeID, webhookID string, ev *feedwire.Event) ([]byte, error) {
	payload, err := Body(envelopeID, webhookID, ev)
	if err != nil {
		return nil, err
	}
	data := TemplateData{
		ID: envelopeID, EventID: ev.ID, Type: string(ev.Type), Format: string(ev.Type.Format()),
		WebhookID: webhookID, Time: ev.CreatedAt,
	}
	if err := json.Unmarshal(payload, &data.Payload); err != nil {
		return nil, err
	}
	if data.Summary, err = Summarize(ev); err != nil {
		return nil, err
	}
	out := boundedBuffer{max: feedwire.MaxEventSize}
	if err := t.Execute(&out, data); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// boundedBuffer is a buffer that refuses to grow past max bytes.
type boundedBuffer struct {
	bytes.Buffer
	max int
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, errBodyTooLarge
	}
	return b.Buffer.Write(p)
}

// CheckTemplate parses a webhook's template and renders it against the catalog example
// of each of its topics, the only types it will ever render, so that a template that
// would fail on one of them is refused when it is registered rather than at its first
// delivery. A template whose content type is JSON must render valid JSON. The error is
// an ErrInvalid one whose problems are on template.body and name the event type.
func CheckTemplate(t feedwire.WebhookTemplate, topics []feedwire.EventType) error {
	parsed, err := ParseTemplate(t.Body)
	if err != nil {
		return feedwire.Invalid("template.body", "does not parse: "+err.Error())
	}
	var problems feedwire.Problems
	for _, topic := range topics {
		if err := checkRender(parsed, t.ContentType, topic); err != nil {
			problems.Add("template.body", fmt.Sprintf("fails on the example of %s: %v", topic, err))
		}
	}
	return problems.Err()
}

func checkRender(t *template.Template, contentType string, topic feedwire.EventType) error {
	ev, err := ExampleEvent(topic)
	if err != nil {
		return err
	}
	body, err := RenderTemplate(t, EventEnvelopeID(ev), "65a1f0c2e4b3d5a6c7e8f902", ev)
	if err != nil {
		return err
	}
	if feedwire.JSONContentType(contentType) && !json.Valid(body) {
		return errors.New("it renders a body that is not JSON, and the content type says JSON: " +
			"write strings with {{json …}}; the body began " + fmt.Sprintf("%.80q", body))
	}
	return nil
}
