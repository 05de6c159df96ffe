package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedwire/feedwire/internal/testpg"
	"github.com/feedwire/feedwire/webhook"
	"github.com/feedwire/feedwire/wire"
)

// openAPIDocument is the document a test server serves, decoded.
type openAPIDocument struct {
	Paths      map[string]map[string]*openAPIOperation `json:"paths"`
	Components struct {
		Schemas map[string]*openAPISchema `json:"schemas"`
	} `json:"components"`
	Webhooks map[string]map[string]*openAPIOperation `json:"webhooks"`
}

type openAPIOperation struct {
	OperationID string             `json:"operationId"`
	Parameters  []openAPIParameter `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema *openAPISchema `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Headers map[string]struct {
			Description string `json:"description"`
		} `json:"headers"`
		Content map[string]struct {
			Schema *openAPISchema `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
	Security []map[string][]string `json:"security"`
}

type openAPIParameter struct {
	Name        string `json:"name"`
	In          string `json:"in"`
	Required    bool   `json:"required"`
	Description string `json:"description"`
}

type openAPISchema struct {
	Ref        string                    `json:"$ref"`
	Type       any                       `json:"type"`
	Properties map[string]*openAPISchema `json:"properties"`
	AnyOf      []*openAPISchema          `json:"anyOf"`
	OneOf      []*openAPISchema          `json:"oneOf"`
}

// fetchDocument gets /openapi.json from a test server.
func fetchDocument(t *testing.T, url string) *openAPIDocument {
	t.Helper()
	resp, err := http.Get(url + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPIDocument
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return &doc
}

func newDocument(t *testing.T) *openAPIDocument {
	t.Helper()
	dsn, secretKey := testpg.NewDatabase(t)
	_, srv := newTestServer(t, dsn, secretKey)
	return fetchDocument(t, srv.URL)
}

// TestSchemaNamesFitSDKs checks that each component schema has a name a generated SDK
// can take as its type's: not the Go type's name with huma's decorations.
func TestSchemaNamesFitSDKs(t *testing.T) {
	doc := newDocument(t)
	goNames := regexp.MustCompile(`Body$|^ListBody|Output|^[a-z]|[^A-Za-z0-9]`)
	var names []string
	for name := range doc.Components.Schemas {
		names = append(names, name)
		if goNames.MatchString(name) {
			t.Errorf("schema %s is named after a Go type, not for an SDK", name)
		}
	}
	for _, want := range []string{"User", "UserList", "CreateUserRequest", "UserPatch", "APIKey", "APIKeyList",
		"EventList", "WebhookPatch", "Problem", "ProblemDetail", "ConversationPartList", "EventTypeList"} {
		if !slices.Contains(names, want) {
			t.Errorf("no schema %s among %s", want, strings.Join(names, " "))
		}
	}
}

// TestOperationsDeclareTheirProblems checks that each operation declares the problems
// it can answer, as problem details, and no catch-all: the conformance check of every
// answer then holds each real problem to its declared status.
func TestOperationsDeclareTheirProblems(t *testing.T) {
	doc := newDocument(t)
	for path, item := range doc.Paths {
		for method, op := range item {
			if len(op.Security) == 0 {
				continue
			}
			want := []string{"400", "401", "413", "422", "500"}
			if strings.Contains(path, "{") {
				want = append(want, "404")
			}
			if op.RequestBody != nil {
				want = append(want, "415")
			}
			switch method {
			case "post":
				want = append(want, "409")
			case "patch", "delete":
				want = append(want, "409")
			}
			for _, status := range want {
				r, ok := op.Responses[status]
				if !ok {
					t.Errorf("%s %s does not declare %s", method, path, status)
					continue
				}
				if s := r.Content["application/problem+json"].Schema; s == nil || s.Ref != "#/components/schemas/Problem" {
					t.Errorf("%s %s %s is not a problem: %+v", method, path, status, r.Content)
				}
			}
			if _, ok := op.Responses["default"]; ok {
				t.Errorf("%s %s declares a default answer", method, path)
			}
			if _, ok := op.Responses["429"]; ok {
				t.Errorf("%s %s declares 429, but this server has no rate limit", method, path)
			}
			hasKey := slices.ContainsFunc(op.Parameters, func(p openAPIParameter) bool {
				return p.Name == "Idempotency-Key" && p.In == "header" && !p.Required
			})
			if hasKey != (method == "post") {
				t.Errorf("%s %s: got an optional Idempotency-Key header %v, want it on every POST", method, path, hasKey)
			}
		}
	}
}

// TestPatchNullIsWhatTheSchemaSays sends null for each member of each PATCH body, and
// for each member of an object member, and checks that the server takes it (2xx) exactly
// when the schema says the member is nullable, and refuses it with a 422 otherwise. The
// members come from the document, so a new one is covered as it is added.
func TestPatchNullIsWhatTheSchemaSays(t *testing.T) {
	w := newWorld(t)
	patches := 0
	for _, r := range w.routes {
		if r.method != http.MethodPatch {
			continue
		}
		patches++
		path := w.fillPath(r.path, w.a)
		for name, member := range r.body.Properties {
			w.checkNull(r, path, member, func(v string) string { return fmt.Sprintf(`{%q:%s}`, name, v) })
			member = w.resolve(member)
			for inner, m := range member.Properties {
				w.checkNull(r, path, m, func(v string) string { return fmt.Sprintf(`{%q:{%q:%s}}`, name, inner, v) })
			}
		}
	}
	if patches == 0 {
		t.Fatal("the document has no PATCH operation")
	}
}

// checkNull sends body(null) to path and checks the answer against member's schema.
func (w *world) checkNull(r route, path string, member *schema, body func(string) string) {
	w.t.Helper()
	b := body("null")
	resp := w.send(w.a, r.method, path, []byte(b), "")
	nullable := member.nullable() || w.resolve(member).nullable()
	switch {
	case nullable && resp.status/100 != 2:
		w.t.Errorf("%s %s: the schema says null is allowed, but got %d %s", r, b, resp.status, resp.body)
	case !nullable && resp.status != http.StatusUnprocessableEntity:
		w.t.Errorf("%s %s: the schema says null is not allowed, but got %d %s, want 422", r, b, resp.status, resp.body)
	}
}

// TestWebhooksDeclareTheirHeaders checks that the document's webhooks declare the headers
// that sign each delivery, as webhook.SignHeaders sets them: every header it sets, with
// a description, and as required only those it sets even when the webhook has no secret.
func TestWebhooksDeclareTheirHeaders(t *testing.T) {
	doc := newDocument(t)
	catalog, err := wire.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{webhook.FormatHarvestr: "", webhook.FormatFeaturebase: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
	for _, et := range catalog {
		op := doc.Webhooks[string(et.Name)]["post"]
		if op == nil {
			t.Errorf("no webhook %s", et.Name)
			continue
		}
		declared := map[string]openAPIParameter{}
		for _, p := range op.Parameters {
			if p.In == "header" && p.Description != "" {
				declared[http.CanonicalHeaderKey(p.Name)] = p
			}
		}
		signed, unsigned := http.Header{}, http.Header{}
		now := time.Now()
		if err := webhook.SignHeaders(signed, string(et.Format), "wh_1", "msg_1", []byte(`{}`), now, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "old secret"); err != nil {
			t.Fatal(err)
		}
		if err := webhook.SignHeaders(unsigned, string(et.Format), "wh_1", "msg_1", []byte(`{}`), now, secrets[string(et.Format)]); err != nil {
			t.Fatal(err)
		}
		for name := range signed {
			if _, ok := declared[name]; !ok {
				t.Errorf("webhook %s does not declare its header %s", et.Name, name)
			}
		}
		for name, p := range declared {
			if signed.Get(name) == "" {
				t.Errorf("webhook %s declares a header %s that a delivery does not carry", et.Name, name)
			}
			if always := unsigned.Get(name) != ""; p.Required != always {
				t.Errorf("webhook %s: header %s is required %v, but sent without a secret %v", et.Name, name, p.Required, always)
			}
		}
		for _, want := range []string{"Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"} {
			if _, ok := declared[want]; !ok {
				t.Errorf("webhook %s does not declare the Standard Webhooks header %s", et.Name, want)
			}
		}
	}
}

// TestEventPayloadIsOneOfTheCatalog checks that the events API describes a payload as
// one of the catalog's payloads, the schemas of the document's webhooks; the
// conformance check of every answer holds the real payloads to it.
func TestEventPayloadIsOneOfTheCatalog(t *testing.T) {
	doc := newDocument(t)
	catalog, err := wire.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	payload := doc.Components.Schemas["Event"].Properties["payload"]
	var refs []string
	for _, s := range payload.OneOf {
		refs = append(refs, s.Ref)
	}
	for _, et := range catalog {
		ref := doc.Webhooks[string(et.Name)]["post"].RequestBody.Content["application/json"].Schema.Ref
		if ref == "" || !slices.Contains(refs, ref) {
			t.Errorf("the payload of an event is not one of %s, the schema of webhook %s", ref, et.Name)
		}
	}
	if len(refs) != len(catalog) {
		t.Errorf("got %d payload schemas, want one per event type, %d", len(refs), len(catalog))
	}
}
