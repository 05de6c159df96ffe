package portal

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

type eventTypesView struct {
	Formats []formatTopics
}

func (p *portal) eventTypesPage(w http.ResponseWriter, r *http.Request, s *session) error {
	p.render(w, r, s, http.StatusOK, "event_types", "Event catalog", eventTypesView{Formats: p.formats()})
	return nil
}

type eventsView struct {
	Query   url.Values
	Error   string
	Events  []feedwire.Event
	Next    string
	Catalog []wire.EventType
}

func (p *portal) eventsPage(w http.ResponseWriter, r *http.Request, s *session) error {
	q := r.URL.Query()
	v := eventsView{Query: q, Catalog: p.Catalog}
	f := feedwire.EventFilter{ListParams: feedwire.ListParams{Limit: 50, After: q.Get("after")},
		ResourceID: strings.TrimSpace(q.Get("resource"))}
	if t := feedwire.EventType(q.Get("type")); t != "" {
		if !slices.ContainsFunc(p.Catalog, func(et wire.EventType) bool { return et.Name == t }) {
			v.Error = "type: " + string(t) + " is not an event type; the event catalog lists them"
			p.render(w, r, s, http.StatusUnprocessableEntity, "events", "Events", v)
			return nil
		}
		f.Types = []feedwire.EventType{t}
	}
	page, err := p.Events.Events(r.Context(), s.workspaceID, f)
	if err != nil {
		return err
	}
	v.Events, v.Next = page.Items, page.Next
	p.render(w, r, s, http.StatusOK, "events", "Events", v)
	return nil
}

type eventView struct {
	Event   *feedwire.Event
	Payload []byte
	// Links are the portal's pages of what the event is about.
	ConversationPath, PostPath string
}

func (p *portal) eventPage(w http.ResponseWriter, r *http.Request, s *session) error {
	ev, err := p.Events.Event(r.Context(), s.workspaceID, r.PathValue("id"))
	if err != nil {
		return err
	}
	payload, err := wire.LogPayload(ev)
	if err != nil {
		return err
	}
	v := eventView{Event: ev, Payload: payload, ConversationPath: pathOf(ev.ConversationURL)}
	var item struct {
		PostURL string `json:"postUrl"`
	}
	if json.Unmarshal(ev.Data, &item) == nil {
		v.PostPath = pathOf(item.PostURL)
	}
	p.render(w, r, s, http.StatusOK, "event", string(ev.Type)+" event", v)
	return nil
}

// pathOf is the path of a URL that an event carries, such as its conversationUrl:
// the portal's own page, wherever the browser reached the portal.
func pathOf(u string) string {
	parsed, err := url.Parse(u)
	if err != nil || u == "" {
		return ""
	}
	return parsed.Path
}
