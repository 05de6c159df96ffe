package feedwire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"strings"
)

// Delivery controls on a webhook: a filter over the payloads of its events, and the
// template of a template-format webhook. Validate checks their shape here; package
// filter compiles a filter, and package wire parses a template and renders it against
// the catalog examples, before a webhook is stored (package delivery's WebhookService).

// Limits of a webhook's controls.
const (
	// MaxFilterSize is the most bytes of a filter's JSON text.
	MaxFilterSize = 8 << 10
	// MaxTemplateSize is the most bytes of a template's text.
	MaxTemplateSize = 16 << 10
	// maxContentType is the most bytes of a template's content type.
	maxContentType = 200
)

// WebhookTemplate renders the body of each delivery to a template-format webhook.
type WebhookTemplate struct {
	// Body is a Go text/template; package wire says what data it sees.
	Body string
	// ContentType is the Content-Type header of the bodies it renders, such as
	// "application/json" or "text/plain; charset=utf-8".
	ContentType string
}

// checkControls reports what is wrong with the filter and the template of w.
func (w *Webhook) checkControls(p *Problems) {
	if w.Filter != nil {
		checkFilterShape(p, w.Filter)
	}
	switch {
	case w.Format == FormatTemplate && w.Template == nil:
		p.Add("template", "a template webhook needs a template: {\"body\": \"…\", \"contentType\": \"…\"}")
	case w.Format != FormatTemplate && w.Template != nil:
		p.Add("template", "only a webhook of format template has a template")
	case w.Template != nil:
		checkTemplate(p, *w.Template)
	}
}

// checkFilterShape requires a filter to be one JSON object of bounded size; package
// filter checks what the object says.
func checkFilterShape(p *Problems, filter json.RawMessage) {
	trimmed := bytes.TrimSpace(filter)
	switch {
	case len(filter) > MaxFilterSize:
		p.Add("filter", fmt.Sprintf("must be at most %d bytes of JSON", MaxFilterSize))
	case !json.Valid(trimmed) || len(trimmed) == 0 || trimmed[0] != '{':
		p.Add("filter", "must be a JSON object of paths and conditions, such as {\"data.channel\": \"MAIL\"}, or null for none")
	}
}

func checkTemplate(p *Problems, t WebhookTemplate) {
	switch {
	case strings.TrimSpace(t.Body) == "":
		p.Add("template.body", "is required")
	case len(t.Body) > MaxTemplateSize:
		p.Add("template.body", fmt.Sprintf("must be at most %d bytes", MaxTemplateSize))
	}
	checkContentType(p, "template.contentType", t.ContentType)
}

// checkContentType requires a single media type, with parameters if any, that is not
// multipart: a template renders one body.
func checkContentType(p *Problems, field, contentType string) {
	if len(contentType) > maxContentType {
		p.Add(field, fmt.Sprintf("must be at most %d bytes", maxContentType))
		return
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	switch {
	case err != nil:
		p.Add(field, "is not a media type such as application/json or text/plain; charset=utf-8")
	case strings.HasPrefix(mediaType, "multipart/"):
		p.Add(field, "must not be multipart: a template renders one body")
	}
}

// applyControls applies the filter and template of a patch to w.
func (p WebhookPatch) applyControls(w *Webhook) {
	applyOrDefault(p.Filter, &w.Filter, nil) // null removes the filter
	applyOptional(p.Template, &w.Template)
}

// JSONContentType reports whether a content type is JSON: application/json or a
// media type with the +json suffix.
func JSONContentType(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"))
}
