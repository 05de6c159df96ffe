package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/delivery"
	"github.com/feedwire/feedwire/httpapi"
	"github.com/feedwire/feedwire/internal/testpg"
	"github.com/feedwire/feedwire/store"
	"github.com/feedwire/feedwire/wire"
)

// api is the API on a real store in a temporary file, with a key for one workspace.
type api struct {
	t   *testing.T
	url string
	key string
}

func setup(t *testing.T) *api {
	t.Helper()
	ctx := context.Background()
	dsn, secretKey := testpg.NewDatabase(t)
	s, srv := newTestServer(t, dsn, secretKey)
	_, key, err := s.CreateAPIKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	return &api{t: t, url: srv.URL, key: key.Secret}
}

// newTestServer serves the API on the database dsn names, opened with secretKey, migrated, with every service
// real; only private networks are allowed, for the test receivers.
func newTestServer(t *testing.T, dsn, secretKey string) (*store.Store, *httptest.Server) {
	t.Helper()
	return newTestServerWith(t, dsn, secretKey, nil)
}

// newTestServerWith is newTestServer with the services changed by change, when not nil.
func newTestServerWith(t *testing.T, dsn, secretKey string, change func(*httpapi.Services)) (*store.Store, *httptest.Server) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, store.Options{SecretKey: secretKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	catalog, err := wire.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	client := delivery.NewClient(true, 4)
	svc := httpapi.Services{
		Workspaces: s, Users: s, Messages: s, DiscoveryStates: s, Discoveries: s,
		Components: s, Feedback: s, Events: s, Webhooks: delivery.NewWebhookService(s, client),
		Deliveries: s, Jobs: delivery.NewJobs(s, logger), Boards: s, Posts: s, Comments: s, Changelogs: s, Conversations: s, Ping: s.Ping,
		Idempotency: s, Listen: s,
	}
	if change != nil {
		change(&svc)
	}
	h, err := httpapi.NewServer(logger, svc, catalog)
	if err != nil {
		t.Fatal(err)
	}
	c := newConformance(t, h)
	srv := httptest.NewServer(c.Handler(h))
	t.Cleanup(func() {
		srv.Close()
		c.Report(t)
	})
	return s, srv
}

// do sends a request with the workspace's key and returns the status and decoded body.
func (a *api) do(method, path, body string) (int, map[string]any) {
	a.t.Helper()
	return a.doWith(method, path, body, nil)
}

// doWith is do with more headers; an empty value sets none.
func (a *api) doWith(method, path, body string, header map[string]string) (int, map[string]any) {
	a.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, a.url+path, r)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.key)
	req.Header.Set("Content-Type", "application/json")
	for name, value := range header {
		if value != "" {
			req.Header.Set(name, value)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		a.t.Fatalf("%s %s: answer is not a JSON object: %s", method, path, raw)
	}
	return resp.StatusCode, out
}

// must sends a request that must answer want.
func (a *api) must(want int, method, path, body string) map[string]any {
	a.t.Helper()
	status, out := a.do(method, path, body)
	if status != want {
		a.t.Fatalf("%s %s: got %d, want %d: %v", method, path, status, want, out)
	}
	return out
}

func TestPatchIsAMergePatch(t *testing.T) {
	a := setup(t)
	state := a.must(201, "POST", "/v1/discovery-states", `{"name":"To review"}`)
	d := a.must(201, "POST", "/v1/discoveries", `{"title":"Dark mode","description":"Asked a lot","discoveryStateId":"`+state["id"].(string)+`"}`)
	path := "/v1/discoveries/" + d["id"].(string)

	got := a.must(200, "PATCH", path, `{"description":null}`)
	if got["description"] != nil || got["title"] != "Dark mode" || got["discoveryStateId"] != state["id"] {
		t.Errorf("after clearing description: got %v", got)
	}
	status, problem := a.do("PATCH", path, `{"title":null}`)
	if status != 422 || !strings.Contains(problemText(problem), "body.title") {
		t.Errorf("null title: got %d %v, want 422 naming body.title", status, problem)
	}
	if got := a.must(200, "GET", path, ""); got["title"] != "Dark mode" {
		t.Errorf("a refused patch changed the title to %v", got["title"])
	}
	changes := a.must(200, "GET", "/v1/events?type=DISCOVERY_UPDATED", "")
	data := changes["data"].([]any)
	if len(data) != 1 {
		t.Fatalf("got %d DISCOVERY_UPDATED events, want 1", len(data))
	}
	payload := data[0].(map[string]any)["payload"].(map[string]any)
	if c, _ := json.Marshal(payload["changes"]); string(c) != `{"description":null}` {
		t.Errorf("got changes %s, want {\"description\":null}", c)
	}
}

func TestValidationProblems(t *testing.T) {
	a := setup(t)
	tests := []struct {
		name, path, body string
		wantLocations    []string
	}{
		{"unknown member", "/v1/users", `{"name":"Ada","type":"admin","role":"boss"}`, []string{"body.role"}},
		{"wrong type", "/v1/users", `{"name":"Ada","type":"admin","email":5}`, []string{"body.email"}},
		{"bad enum", "/v1/users", `{"name":"Ada","type":"owner"}`, []string{"body.type"}},
		{"blank name", "/v1/users", `{"name":"  ","type":"admin"}`, []string{"body.name"}},
		{"bad email", "/v1/users", `{"name":"Ada","type":"admin","email":"ada"}`, []string{"body.email"}},
		{"missing references", "/v1/feedback", `{"messageId":"m","discoveryId":"d","score":1}`, []string{"body.messageId", "body.discoveryId"}},
		{"negative score", "/v1/feedback", `{"messageId":"m","discoveryId":"d","score":-1}`, []string{"body.score"}},
		{"unknown parent", "/v1/components", `{"title":"x","parentId":"nope"}`, []string{"body.parentId"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, problem := a.do("POST", tt.path, tt.body)
			if status != 422 {
				t.Fatalf("got %d %v, want 422", status, problem)
			}
			for _, loc := range tt.wantLocations {
				if !strings.Contains(problemText(problem), loc) {
					t.Errorf("problem %v does not name %s", problem, loc)
				}
			}
		})
	}
	if list := a.must(200, "GET", "/v1/users", ""); len(list["data"].([]any)) != 0 {
		t.Errorf("invalid requests stored users: %v", list["data"])
	}
}

func problemText(problem map[string]any) string {
	b, _ := json.Marshal(problem["errors"])
	return string(b)
}

func TestPaginationCursor(t *testing.T) {
	a := setup(t)
	for range 3 {
		a.must(201, "POST", "/v1/components", `{"title":"c"}`)
	}
	first := a.must(200, "GET", "/v1/components?limit=2", "")
	if len(first["data"].([]any)) != 2 || first["nextCursor"] == nil {
		t.Fatalf("first page: %v", first)
	}
	second := a.must(200, "GET", "/v1/components?limit=2&cursor="+first["nextCursor"].(string), "")
	if len(second["data"].([]any)) != 1 || second["nextCursor"] != nil {
		t.Errorf("second page: %v", second)
	}
	for _, q := range []string{"limit=0", "limit=101", "cursor=zzz", "cursor=!!"} {
		if status, _ := a.do("GET", "/v1/components?"+q, ""); status != 422 {
			t.Errorf("%s: got %d, want 422", q, status)
		}
	}
}

func TestEventTypes(t *testing.T) {
	a := setup(t)
	list := a.must(200, "GET", "/v1/event-types", "")
	formats := map[string]int{}
	for _, item := range list["data"].([]any) {
		et := item.(map[string]any)
		example := et["example"].(map[string]any)
		discriminator := map[any]string{"harvestr": "event", "featurebase": "topic", "operational": "type"}[et["format"]]
		if discriminator == "" || example[discriminator] != et["name"] || et["schema"].(map[string]any)["type"] != "object" {
			t.Errorf("event type %v", et)
		}
		formats[et["format"].(string)]++
	}
	if formats["harvestr"] != 8 || formats["featurebase"] != 24 || formats["operational"] != 4 {
		t.Errorf("got %d harvestr, %d featurebase and %d operational event types, want 8, 24 and 4",
			formats["harvestr"], formats["featurebase"], formats["operational"])
	}
}

func TestEventFilterQuery(t *testing.T) {
	a := setup(t)
	a.must(201, "POST", "/v1/components", `{"title":"c"}`)
	for query, want := range map[string]int{
		"type=COMPONENT_CREATED":                            1,
		"type=MESSAGE_CREATED,DISCOVERY_CREATED":            0,
		"since=2000-01-01T00:00:00Z":                        1,
		"until=2000-01-01T00:00:00Z":                        0,
		"type=COMPONENT_CREATED&since=2999-01-01T00:00:00Z": 0,
	} {
		list := a.must(200, "GET", "/v1/events?"+query, "")
		if got := len(list["data"].([]any)); got != want {
			t.Errorf("%s: got %d events, want %d", query, got, want)
		}
	}
	if status, _ := a.do("GET", "/v1/events?since=yesterday", ""); status != 422 {
		t.Errorf("since=yesterday: got %d, want 422", status)
	}
}

// TestChannelEnum checks that the request bodies' channel enums are feedwire.Channels.
func TestChannelEnum(t *testing.T) {
	a := setup(t)
	resp, err := http.Get(a.url + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, c := range feedwire.Channels {
		want = append(want, string(c))
	}
	var found int
	for name, s := range doc.Components.Schemas {
		if p, ok := s.Properties["channel"]; ok && name != "Message" { // a response
			found++
			if !slices.Equal(p.Enum, want) {
				t.Errorf("%s.channel enum is %v, want %v", name, p.Enum, want)
			}
		}
	}
	if found < 2 {
		t.Errorf("found channel in %d schemas, want the create and patch bodies at least", found)
	}
}

// TestWebhookSchemas checks that the OpenAPI document's webhooks carry each event type's
// JSON Schema whole: converting it to huma's model loses nothing.
func TestWebhookSchemas(t *testing.T) {
	a := setup(t)
	resp, err := http.Get(a.url + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Webhooks map[string]struct {
			Post struct {
				RequestBody struct {
					Content map[string]struct {
						Schema json.RawMessage `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			} `json:"post"`
		} `json:"webhooks"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	catalog, err := wire.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, et := range catalog {
		var ref struct {
			Ref string `json:"$ref"`
		}
		schema := doc.Webhooks[string(et.Name)].Post.RequestBody.Content["application/json"].Schema
		if json.Unmarshal(schema, &ref); ref.Ref != "" {
			schema = doc.Components.Schemas[strings.TrimPrefix(ref.Ref, "#/components/schemas/")]
		}
		got := normalize(t, schema)
		var want map[string]any
		json.Unmarshal(et.Schema, &want)
		delete(want, "$schema")
		constToEnum(want) // OpenAPI 3.1 has const, but huma's Schema writes it as enum
		if w := normalize(t, mustJSON(t, want)); !bytes.Equal(got, w) {
			t.Errorf("%s: OpenAPI schema differs from the catalog's:\ngot  %s\nwant %s", et.Name, got, w)
		}
	}
}

// constToEnum rewrites every {"const": v} in a decoded schema as {"enum": [v]}.
func constToEnum(v any) {
	switch v := v.(type) {
	case map[string]any:
		if c, ok := v["const"]; ok {
			delete(v, "const")
			v["enum"] = []any{c}
		}
		for _, child := range v {
			constToEnum(child)
		}
	case []any:
		for _, child := range v {
			constToEnum(child)
		}
	}
}

func normalize(t *testing.T, b []byte) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return mustJSON(t, v)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
