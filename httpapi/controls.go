package httpapi

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/danielgtaylor/huma/v2"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/filter"
)

// filterDoc is the documentation of a webhook's filter member.
const filterDoc = "Delivers only the events whose payload matches: a JSON object of dotted paths into the payload as " +
	"GET /v1/events shows it (the harvestr or featurebase body of the event's type, whatever this webhook's format) " +
	"and the values they must have, with the operators $eq, $ne, $in, $nin, $exists, $gt, $gte, $lt, $lte, and " +
	"$and/$or over arrays of filters, such as {\"data.channel\": \"MAIL\"} or {\"data.item.upvotes\": {\"$gte\": 10}}; " +
	"see the README. An event it rejects gets no delivery at all. At most 8 KiB"

// filterBody is a webhook's filter as the API takes and shows it: the JSON object,
// kept as JSON text (compact, as the request body was decoded and encoded again).
type filterBody json.RawMessage

func (f filterBody) MarshalJSON() ([]byte, error) { return json.RawMessage(f).MarshalJSON() }

func (f *filterBody) UnmarshalJSON(b []byte) error {
	*f = append((*f)[:0], b...)
	return nil
}

// Schema describes a filter as an object whose members are paths or $and/$or.
func (filterBody) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeObject, AdditionalProperties: true, Description: filterDoc}
}

// webhookTemplateBody is a template webhook's template.
type webhookTemplateBody struct {
	Body        string `json:"body" minLength:"1" maxLength:"16384" doc:"A Go text/template rendered for each delivery; it sees .Type, .ID, .EventID, .WebhookID, .Time, .Format, .Payload (the harvestr or featurebase body of the event, decoded) and .Summary (what the chat formats show), and the function json; see the README. It must render the example of each of the webhook's topics"`
	ContentType string `json:"contentType" minLength:"1" maxLength:"200" doc:"The Content-Type of the rendered bodies, such as application/json (then each must be valid JSON) or text/plain; charset=utf-8"`
}

func newTemplateBody(t *feedwire.WebhookTemplate) *webhookTemplateBody {
	if t == nil {
		return nil
	}
	return &webhookTemplateBody{Body: t.Body, ContentType: t.ContentType}
}

func (t *webhookTemplateBody) template() *feedwire.WebhookTemplate {
	if t == nil {
		return nil
	}
	return &feedwire.WebhookTemplate{Body: t.Body, ContentType: t.ContentType}
}

func newFilterBody(f json.RawMessage) *filterBody {
	if f == nil {
		return nil
	}
	b := filterBody(f)
	return &b
}

func (f *filterBody) raw() json.RawMessage {
	if f == nil {
		return nil
	}
	return json.RawMessage(*f)
}

// controlsPatch sets the filter and template of a PATCH on p. A template is replaced,
// never removed: null is refused.
func controlsPatch(p *feedwire.WebhookPatch, filterPatch patchField[filterBody], templatePatch patchField[webhookTemplateBody]) error {
	p.Filter = feedwire.Field[json.RawMessage]{Set: filterPatch.Set, Null: filterPatch.Null, Value: json.RawMessage(filterPatch.Value)}
	if templatePatch.Null {
		return feedwire.Invalid("template", "must not be null: a template webhook always has a template, and other formats have none")
	}
	if templatePatch.Set {
		p.Template = feedwire.Set(*templatePatch.Value.template())
	}
	return nil
}

type testFilterInput struct {
	ID   string `path:"id"`
	Body struct {
		Payload map[string]any `json:"payload" doc:"An event payload, as GET /v1/events shows it (its payload member) or as a harvestr or featurebase receiver gets it"`
		Filter  *filterBody    `json:"filter,omitempty" doc:"A filter to try instead of the webhook's own, such as one about to be set with PATCH"`
	}
}

type filterTestBody struct {
	Object    string      `json:"object" enum:"filter_test"`
	WebhookID string      `json:"webhookId"`
	Matched   bool        `json:"matched" doc:"Whether the payload passes the filter: an event with this payload would be delivered"`
	Filter    *filterBody `json:"filter" nullable:"true" doc:"The filter tried: the one given, or the webhook's own; null when the webhook has none, which passes every event"`
}

// testFilter answers whether a payload passes the webhook's filter, or a candidate
// filter given with it.
func testFilter(svc feedwire.WebhookService) handler[testFilterInput, output[filterTestBody]] {
	return func(ctx context.Context, workspaceID string, in *testFilterInput) (*output[filterTestBody], error) {
		w, err := svc.Webhook(ctx, workspaceID, in.ID)
		if err != nil {
			return nil, err
		}
		raw := w.Filter
		if in.Body.Filter != nil {
			raw = in.Body.Filter.raw()
		}
		answer := filterTestBody{Object: "filter_test", WebhookID: w.ID, Matched: true, Filter: newFilterBody(raw)}
		if raw == nil {
			return &output[filterTestBody]{answer}, nil
		}
		f, err := filter.Parse(raw)
		if err != nil {
			return nil, filterProblem(err)
		}
		answer.Matched = f.Match(any(in.Body.Payload))
		return &output[filterTestBody]{answer}, nil
	}
}

// filterProblem locates a filter's error in the request body: filter.<path>.
func filterProblem(err error) error {
	var fe *filter.Error
	if !errors.As(err, &fe) {
		return err
	}
	return feedwire.Invalid(fe.Field(), fe.Message)
}
