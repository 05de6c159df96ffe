package wire

import (
	"fmt"
	"sync"
	"text/template"

	"github.com/feedwire/feedwire"
)

// maxParsedTemplates bounds a Renderer's templates: past it, it starts afresh.
const maxParsedTemplates = 1024

// Renderer builds the body of each delivery in its webhook's format. It keeps the
// templates it parsed, by their text, so that a template webhook's template is parsed
// once rather than on every attempt. The zero Renderer is ready; it is safe for
// concurrent use.
type Renderer struct {
	mu        sync.Mutex
	templates map[string]*template.Template
}

// Body returns the body of a delivery of ev to w, whose envelope id is envelopeID, and
// its content type: the vendor body for harvestr and featurebase, a chat message for
// slack, discord and teams, the webhook's own template for template.
func (r *Renderer) Body(envelopeID string, w *feedwire.Webhook, ev *feedwire.Event) (body []byte, contentType string, err error) {
	switch w.Format {
	case feedwire.FormatSlack, feedwire.FormatDiscord, feedwire.FormatTeams:
		body, err = ChatBody(w.Format, ev)
		return body, "application/json", err
	case feedwire.FormatTemplate:
		if w.Template == nil {
			return nil, "", fmt.Errorf("wire: template webhook %s has no template", w.ID)
		}
		t, err := r.parse(w.Template.Body)
		if err != nil {
			return nil, "", fmt.Errorf("wire: template of webhook %s: %w", w.ID, err)
		}
		body, err = RenderTemplate(t, envelopeID, w.ID, ev)
		return body, w.Template.ContentType, err
	}
	body, err = Body(envelopeID, w.ID, ev)
	return body, "application/json", err
}

// ChatBody returns ev as a message in the incoming-webhook JSON of a chat tool's
// format: slack, discord or teams.
func ChatBody(f feedwire.Format, ev *feedwire.Event) ([]byte, error) {
	s, err := Summarize(ev)
	if err != nil {
		return nil, err
	}
	switch f {
	case feedwire.FormatSlack:
		return SlackBody(s)
	case feedwire.FormatDiscord:
		return DiscordBody(s)
	case feedwire.FormatTeams:
		return TeamsBody(s)
	}
	return nil, fmt.Errorf("wire: %q is not a chat format", f)
}

// parse returns the parsed template of text, parsing it only the first time.
func (r *Renderer) parse(text string) (*template.Template, error) {
	r.mu.Lock()
	t, ok := r.templates[text]
	r.mu.Unlock()
	if ok {
		return t, nil
	}
	t, err := ParseTemplate(text)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.templates == nil || len(r.templates) >= maxParsedTemplates {
		r.templates = map[string]*template.Template{}
	}
	r.templates[text] = t
	return t, nil
}
