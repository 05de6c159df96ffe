package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
	"github.com/feedwire/feedwire/wire"
)

// eventBody is an event as the API shows it, with the payload its wire format delivers.
// In the payload, the envelope id is the event's own id; each delivery has its own.
type eventBody struct {
	Object       string          `json:"object" enum:"event"`
	ID           string          `json:"id"`
	Type         string          `json:"type"`
	Format       string          `json:"format" enum:"harvestr,featurebase,operational"`
	ResourceType string          `json:"resourceType"`
	ResourceID   string          `json:"resourceId"`
	CreatedAt    webhook.Time    `json:"createdAt"`
	Payload      json.RawMessage `json:"payload" doc:"The body a webhook of this event's format receives"`
}

func newEventBody(e *feedwire.Event) (eventBody, error) {
	payload, err := wire.LogPayload(e)
	if err != nil {
		return eventBody{}, fmt.Errorf("event %s payload: %w", e.ID, err)
	}
	return eventBody{
		Object: "event", ID: e.ID, Type: string(e.Type), Format: string(e.Type.Format()),
		ResourceType: e.ResourceType, ResourceID: e.ResourceID, CreatedAt: webhook.NewTime(e.CreatedAt), Payload: payload,
	}, nil
}

type listEventsInput struct {
	Limit  int       `query:"limit" minimum:"1" maximum:"100" default:"20" doc:"How many events to return, 1 to 100"`
	Cursor string    `query:"cursor" doc:"The nextCursor of the previous page"`
	Types  []string  `query:"type" doc:"Only events of these types (comma-separated)"`
	Since  time.Time `query:"since" doc:"Only events at or after this time (RFC 3339)"`
	Until  time.Time `query:"until" doc:"Only events before this time (RFC 3339)"`
}

func getEvent(events feedwire.EventService) handler[idInput, output[eventBody]] {
	return func(ctx context.Context, workspaceID string, in *idInput) (*output[eventBody], error) {
		e, err := events.Event(ctx, workspaceID, in.ID)
		if err != nil {
			return nil, err
		}
		body, err := newEventBody(e)
		if err != nil {
			return nil, err
		}
		return &output[eventBody]{body}, nil
	}
}

func listEvents(events feedwire.EventService, catalog []wire.EventType) handler[listEventsInput, output[listBody[eventBody]]] {
	return func(ctx context.Context, workspaceID string, in *listEventsInput) (*output[listBody[eventBody]], error) {
		p, err := (&listInput{Limit: in.Limit, Cursor: in.Cursor}).params()
		if err != nil {
			return nil, err
		}
		filter := feedwire.EventFilter{ListParams: p, Since: in.Since, Until: in.Until}
		if filter.Types, err = typeFilter(in.Types, catalog); err != nil {
			return nil, err
		}
		page, err := events.Events(ctx, workspaceID, filter)
		if err != nil {
			return nil, err
		}
		// Build the bodies first: a payload that cannot be built is an internal error.
		bodies := &feedwire.Page[eventBody]{Items: make([]eventBody, len(page.Items)), Next: page.Next}
		for i := range page.Items {
			if bodies.Items[i], err = newEventBody(&page.Items[i]); err != nil {
				return nil, err
			}
		}
		return newList(bodies, func(b *eventBody) eventBody { return *b }), nil
	}
}

// typeFilter checks the entries of ?type=: each must be an event type of the catalog,
// and at most feedwire.MaxFilterValues distinct ones, since each becomes a query
// parameter. Repeating a type costs nothing: duplicates are dropped before counting.
func typeFilter(entries []string, catalog []wire.EventType) ([]feedwire.EventType, error) {
	var types []feedwire.EventType
	for i, entry := range entries {
		t := feedwire.EventType(entry)
		if slices.Contains(types, t) {
			continue
		}
		if !slices.ContainsFunc(catalog, func(et wire.EventType) bool { return et.Name == t }) {
			return nil, feedwire.Invalid(fmt.Sprintf("query.type[%d]", i), fmt.Sprintf("%.100q is not an event type; GET /v1/event-types lists them", entry))
		}
		if len(types) == feedwire.MaxFilterValues {
			return nil, feedwire.Invalid("query.type", fmt.Sprintf("must name at most %d distinct event types", feedwire.MaxFilterValues))
		}
		types = append(types, t)
	}
	return types, nil
}

// eventTypeBody is one entry of the event type catalog.
type eventTypeBody struct {
	Object      string          `json:"object" enum:"event_type"`
	Name        string          `json:"name"`
	Format      string          `json:"format" enum:"harvestr,featurebase,operational"`
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema" doc:"JSON Schema (2020-12) of the payload"`
	Example     json.RawMessage `json:"example"`
}

type eventTypesOutput struct {
	Body eventTypeListBody
}

// eventTypeListBody is the whole catalog: a list without pages.
type eventTypeListBody struct {
	Object string          `json:"object" enum:"list"`
	Data   []eventTypeBody `json:"data"`
}

func listEventTypes(catalog []wire.EventType) handler[struct{}, eventTypesOutput] {
	out := &eventTypesOutput{}
	out.Body.Object = "list"
	for _, et := range catalog {
		out.Body.Data = append(out.Body.Data, eventTypeBody{
			Object: "event_type", Name: string(et.Name), Format: string(et.Format),
			Description: et.Description, Schema: et.Schema, Example: et.Example,
		})
	}
	return func(context.Context, string, *struct{}) (*eventTypesOutput, error) { return out, nil }
}

// addWebhooks lists every event type in the OpenAPI document's webhooks section, with
// its schema and example, so that generators can build receivers from it. Each payload's
// schema is a component ("PostCreatedEvent"), which the events API's payload is one of.
func addWebhooks(doc *huma.OpenAPI, catalog []wire.EventType) error {
	doc.Webhooks = map[string]*huma.PathItem{}
	schemas := doc.Components.Schemas.Map()
	var payloads []*huma.Schema
	for _, et := range catalog {
		var raw map[string]any
		if err := json.Unmarshal(et.Schema, &raw); err != nil {
			return fmt.Errorf("schema of %s: %w", et.Name, err)
		}
		name := payloadSchemaName(et.Name)
		if _, taken := schemas[name]; taken {
			return fmt.Errorf("the schema of %s would be named %s, as another is", et.Name, name)
		}
		schemas[name] = humaSchema(raw)
		ref := &huma.Schema{Ref: "#/components/schemas/" + name}
		payloads = append(payloads, ref)
		if !json.Valid(et.Example) { // huma would serve an empty document
			return fmt.Errorf("example of %s is not JSON", et.Name)
		}
		doc.Webhooks[string(et.Name)] = &huma.PathItem{Post: &huma.Operation{
			OperationID: "webhook-" + string(et.Name),
			Summary:     et.Description,
			Description: fmt.Sprintf("Delivered in the %s format to webhooks subscribed to %s, with the custom headers of the webhook's requestConfig besides the ones listed here.", et.Format, et.Name),
			Parameters:  deliveryHeaders(string(et.Format)),
			RequestBody: &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
				// The example stays the catalog's bytes: decoding it would sort its
				// members, and the envelope's member order is part of the format.
				"application/json": {Schema: ref, Example: et.Example},
			}},
			Responses: map[string]*huma.Response{"200": {Description: "Any 2xx answer acknowledges the delivery."}},
		}}
	}
	event := doc.Components.Schemas.Schema(reflect.TypeFor[eventBody](), false, "")
	event.Properties["payload"] = &huma.Schema{OneOf: payloads,
		Description: "The body a webhook of this event's format receives: the payload of its type, as GET /v1/event-types and the webhooks of this document describe it"}
	return nil
}

// payloadSchemaName names the schema of an event type's payload as an SDK would name
// its type: "PostCreatedEvent" for post.created, "MessageCreatedEvent" for
// MESSAGE_CREATED.
func payloadSchemaName(t feedwire.EventType) string {
	var b strings.Builder
	for _, word := range strings.FieldsFunc(strings.ToLower(string(t)), func(r rune) bool { return r == '.' || r == '_' }) {
		b.WriteString(strings.ToUpper(word[:1]) + word[1:])
	}
	return b.String() + "Event"
}

// deliveryHeaders are the headers that sign a delivery in format, as
// webhook.SignHeaders sets them: the format's own, then the Standard Webhooks ones.
func deliveryHeaders(format string) []*huma.Param {
	header := func(name, description string, required bool) *huma.Param {
		return &huma.Param{Name: name, In: "header", Description: description, Required: required,
			Schema: &huma.Schema{Type: huma.TypeString}}
	}
	var vendor []*huma.Param
	switch format {
	case webhook.FormatHarvestr:
		vendor = []*huma.Param{
			header(webhook.HeaderHarvestrWebhookID, "The id of the webhook (not of the delivery).", true),
			header(webhook.HeaderHarvestrSignature, "The lower-case hex HMAC-SHA256 of the raw body, keyed with the webhook's secret as given; "+
				"left out when the webhook has no secret. During a rotation's grace period it is keyed with the previous secret.", false),
		}
	case webhook.FormatFeaturebase:
		vendor = []*huma.Param{
			header(webhook.HeaderFeaturebaseTimestamp, "Unix seconds when the delivery was signed.", true),
			header(webhook.HeaderFeaturebaseSignature, "The lower-case hex HMAC-SHA256 of \"<X-Webhook-Timestamp>.<raw body>\", keyed with the whole secret string, whsec_ included. "+
				"During a rotation's grace period it is keyed with the previous secret.", true),
		}
	}
	return append(vendor,
		header(webhook.HeaderWebhookID, "Standard Webhooks: the id of the message (the envelope id), the same in every attempt of one delivery; receivers drop repeats by it.", true),
		header(webhook.HeaderWebhookTimestamp, "Standard Webhooks: Unix seconds when the attempt was signed; receivers refuse one too far from their clock.", true),
		header(webhook.HeaderWebhookSignature, "Standard Webhooks: space-separated signatures \"v1,<base64 HMAC-SHA256 of <webhook-id>.<webhook-timestamp>.<raw body>>\", "+
			"one for each secret that signs (two during a rotation's grace period), keyed with the bytes that a whsec_ secret encodes; left out when the webhook has no secret.", format == webhook.FormatFeaturebase),
	)
}

// humaSchema converts a JSON Schema document into huma's model of one, which writes
// nullable types and constants its own way.
func humaSchema(m map[string]any) *huma.Schema {
	s := &huma.Schema{}
	switch t := m["type"].(type) {
	case string:
		s.Type = t
	case []any:
		for _, v := range t {
			if v == "null" {
				s.Nullable = true
			} else {
				s.Type, _ = v.(string)
			}
		}
	}
	s.Title, _ = m["title"].(string)
	s.Description, _ = m["description"].(string)
	s.Format, _ = m["format"].(string)
	s.Pattern, _ = m["pattern"].(string)
	s.AdditionalProperties = m["additionalProperties"]
	if v, ok := m["const"]; ok {
		s.Enum = []any{v}
	}
	if values, ok := m["enum"].([]any); ok {
		s.Enum = values
	}
	if n, ok := m["minProperties"].(float64); ok {
		min := int(n)
		s.MinProperties = &min
	}
	if n, ok := m["minItems"].(float64); ok {
		min := int(n)
		s.MinItems = &min
	}
	if items, ok := m["items"].(map[string]any); ok {
		s.Items = humaSchema(items)
	}
	for _, r := range asSlice(m["required"]) {
		s.Required = append(s.Required, r.(string))
	}
	if props, ok := m["properties"].(map[string]any); ok {
		s.Properties = make(map[string]*huma.Schema, len(props))
		for name, p := range props {
			s.Properties[name] = humaSchema(p.(map[string]any))
		}
	}
	for _, sub := range asSlice(m["anyOf"]) {
		s.AnyOf = append(s.AnyOf, humaSchema(sub.(map[string]any)))
	}
	return s
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
