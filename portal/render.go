package portal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/feedwire/feedwire"
)

// pages are the portal's templates, one set per page: the layout with the page's
// "content".
type pages map[string]*template.Template

// navOf names the navigation entry a page belongs to, marked as the current one.
var navOf = map[string]string{
	"webhooks": "webhooks", "webhook": "webhooks", "webhook_form": "webhooks", "job": "webhooks",
	"deliveries": "deliveries", "delivery": "deliveries",
	"events": "events", "event": "events", "conversation": "events", "post": "events",
	"event_types": "event-types",
}

func parsePages() (pages, error) {
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	ps := pages{}
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(files, "templates/layout.html", file)
		if err != nil {
			return nil, fmt.Errorf("portal: parse %s: %w", file, err)
		}
		ps[name] = t
	}
	return ps, nil
}

// view is what the layout shows around a page.
type view struct {
	Title    string
	Nav      string
	SignedIn bool
	CSRF     string // the session's token, for every form
	Notice   *notice
	Page     any
}

// render writes the page with the layout. It renders into a buffer first, so that a
// template that fails is a clean error, not half a page.
func (p *portal) render(w http.ResponseWriter, r *http.Request, s *session, status int, name, title string, page any) {
	v := view{Title: title, Nav: navOf[name], Page: page}
	if s != nil {
		v.SignedIn, v.CSRF, v.Notice = true, s.csrf, p.sessions.takeNotice(s)
	}
	var buf bytes.Buffer
	if err := p.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		p.Logger.ErrorContext(r.Context(), "portal template failed", "page", name, "error", err)
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type errorView struct {
	Status  int
	Message string
}

func (p *portal) renderError(w http.ResponseWriter, r *http.Request, s *session, status int, message string) {
	p.render(w, r, s, status, "error", http.StatusText(status), errorView{Status: status, Message: message})
}

// redirectWith sends the browser to target (a path of the portal), saying text there.
func (p *portal) redirectWith(w http.ResponseWriter, r *http.Request, s *session, target, text string) {
	p.sessions.setNotice(s, notice{Text: text})
	http.Redirect(w, r, target, http.StatusSeeOther)
}

var funcs = template.FuncMap{
	"time":     formatTime,
	"ms":       formatMillis,
	"json":     prettyJSON,
	"headers":  headerLines,
	"query":    withQuery,
	"has":      slices.Contains[[]string],
	"datetime": formatInputTime,
	"answer":   lastAnswer,
	"plural":   plural,
	"topicID":  topicID,
}

// topicID is the id of a topic's checkbox in the fieldset of format f: "topic-" and its
// name in its own format's, and the format's name too in a chat format's, which offers
// the vendors' types again.
func topicID(f feedwire.Format, t feedwire.EventType) string {
	if t.Format() == f {
		return "topic-" + string(t)
	}
	return "topic-" + string(f) + "-" + string(t)
}

// formatTime writes a time for people, in UTC like everything else feedwire shows.
func formatTime(t any) string {
	switch t := t.(type) {
	case time.Time:
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	case *time.Time:
		if t == nil {
			return "—"
		}
		return formatTime(*t)
	}
	return fmt.Sprint(t)
}

// formatInputTime writes a time as a datetime-local input takes it.
func formatInputTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(inputTimeLayout)
}

// formatMillis writes a duration in milliseconds, with a decimal below 10 ms.
func formatMillis(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	if ms < 10 {
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.0f ms", ms)
}

// prettyJSON indents JSON for reading; anything else is shown as it is.
func prettyJSON(raw []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}

// headerLines writes headers one per line, sorted, as they went over the wire.
func headerLines(h http.Header) string {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, name := range names {
		for _, v := range h[name] {
			fmt.Fprintf(&b, "%s: %s\n", name, v)
		}
	}
	return b.String()
}

// withQuery returns path with the query values v and one more, name=value, which
// replaces any of that name: a link to the next page of a filtered list.
func withQuery(path string, v url.Values, name, value string) string {
	q := url.Values{}
	for k, vs := range v {
		q[k] = slices.Clone(vs)
	}
	q.Set(name, value)
	return path + "?" + q.Encode()
}
