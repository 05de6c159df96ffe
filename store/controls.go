package store

import (
	"encoding/json"
	"fmt"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/filter"
	"github.com/feedwire/feedwire/wire"
)

// A webhook's delivery controls are two nullable columns: filter, the filter's JSON
// text as the webhook was given it, and template, a template webhook's
// {"body","contentType"}.

// storedTemplate is the JSON of the template column.
type storedTemplate struct {
	Body        string `json:"body"`
	ContentType string `json:"contentType"`
}

// encodeControls returns the values of the filter and template columns of w.
func encodeControls(w *feedwire.Webhook) (filter, template *string, err error) {
	if w.Filter != nil {
		s := string(w.Filter)
		filter = &s
	}
	if w.Template != nil {
		b, err := json.Marshal(storedTemplate{Body: w.Template.Body, ContentType: w.Template.ContentType})
		if err != nil {
			return nil, nil, err
		}
		s := string(b)
		template = &s
	}
	return filter, template, nil
}

// decodeControls sets the filter and template of w from their columns.
func decodeControls(w *feedwire.Webhook, filter, template *string) error {
	if filter != nil {
		w.Filter = json.RawMessage(*filter)
	}
	if template != nil {
		var t storedTemplate
		if err := json.Unmarshal([]byte(*template), &t); err != nil {
			return fmt.Errorf("template of webhook %s: %w", w.ID, err)
		}
		w.Template = &feedwire.WebhookTemplate{Body: t.Body, ContentType: t.ContentType}
	}
	return nil
}

// filterInput is the document an event's filters see, decoded at most once for all
// the webhooks that consider the event, and only if one of them has a filter.
type filterInput struct {
	ev      *feedwire.Event
	doc     any
	decoded bool
}

// document returns the event's payload as GET /v1/events shows it: the body of its
// vendor's format, with the event's own id as the envelope id and, in featurebase, an
// empty webhookId. Filters see the same document whatever the webhook's format, so a
// slack webhook filters on the fields a featurebase receiver would get.
func (in *filterInput) document() (any, error) {
	if in.decoded {
		return in.doc, nil
	}
	payload, err := wire.LogPayload(in.ev)
	if err != nil {
		return nil, err
	}
	if in.doc, err = filter.Decode(payload); err != nil {
		return nil, err
	}
	in.decoded = true
	return in.doc, nil
}

// passesFilter reports whether an event passes a webhook's filter, its stored text or
// nil for none. The filter is compiled once per text, in the store's cache. A stored
// filter that no longer compiles fails the write rather than guess: every filter was
// compiled before it was stored.
func passesFilter(tx *txn, text *string, in *filterInput) (bool, error) {
	if text == nil {
		return true, nil
	}
	parse := filter.Parse
	if tx.filters != nil {
		parse = tx.filters.Parse
	}
	f, err := parse([]byte(*text))
	if err != nil {
		return false, err
	}
	doc, err := in.document()
	if err != nil {
		return false, err
	}
	return f.Match(doc), nil
}
