package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/feedwire/feedwire/internal/testpg"
)

// world is the real server on a real store, with two workspaces, A and B, that hold one
// of every resource each, and the OpenAPI document that lists every route. The bad
// input and tenancy tests take their routes from that document, so that a route added
// later is tested too, or fails the tests until they know how to fill it.
type world struct {
	t        *testing.T
	url      string
	db       *sql.Conn // one reader of the store's file, for dumps
	snap     map[string]string
	snapAt   int64 // the data_version of snap
	a, b     *tenant
	receiver string
	routes   []route
	schemas  map[string]*schema
}

// tenant is a workspace, its API key, and the id of each of its fixtures by kind.
type tenant struct {
	key string
	ids map[string]string
}

// route is one operation of the OpenAPI document.
type route struct {
	method, path string
	body         *schema // nil when the operation takes no body
	bodyRequired bool
	query        []string // its query parameters
	stream       bool     // it answers with server-sent events, for as long as the client reads
}

func (r route) String() string { return r.method + " " + r.path }

// schema is as much of a JSON Schema as the tests read.
type schema struct {
	Ref        string             `json:"$ref"`
	Type       any                `json:"type"`
	Format     string             `json:"format"`
	Enum       []any              `json:"enum"`
	Properties map[string]*schema `json:"properties"`
	Required   []string           `json:"required"`
	Items      *schema            `json:"items"`
	MaxLength  *int               `json:"maxLength"`
	AnyOf      []*schema          `json:"anyOf"`
}

// nullable reports whether the schema allows null: as one of its types, or as one of
// its anyOf.
func (s *schema) nullable() bool {
	return slices.Contains(s.types(), "null") || slices.ContainsFunc(s.AnyOf, func(a *schema) bool {
		return slices.Equal(a.types(), []string{"null"})
	})
}

// types returns the schema's types, "null" included when it is nullable.
func (s *schema) types() []string {
	switch t := s.Type.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, v := range t {
			out = append(out, v.(string))
		}
		return out
	}
	return nil
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	dsn, secretKey := testpg.NewDatabase(t)
	s, srv := newTestServer(t, dsn, secretKey)
	pool, err := openReader(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	// One connection, since PRAGMA data_version tells a connection about the commits
	// of the others since its own last read.
	db, err := pool.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w := &world{t: t, url: srv.URL, db: db, receiver: receiver(t).URL}
	w.readOpenAPI()
	for _, ws := range []struct {
		name string
		dst  **tenant
	}{{"workspace A", &w.a}, {"workspace B", &w.b}} {
		_, key, err := s.CreateAPIKey(ctx, ws.name)
		if err != nil {
			t.Fatal(err)
		}
		*ws.dst = &tenant{key: key.Secret, ids: map[string]string{}}
		w.populate(*ws.dst)
	}
	return w
}

// readOpenAPI reads the routes and schemas of the server's OpenAPI document.
func (w *world) readOpenAPI() {
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody *struct {
				Required bool                                `json:"required"`
				Content  map[string]struct{ Schema *schema } `json:"content"`
			} `json:"requestBody"`
			Parameters []struct{ Name, In string } `json:"parameters"`
			Responses  map[string]struct {
				Content map[string]any `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]*schema `json:"schemas"`
		} `json:"components"`
	}
	resp := w.send(nil, "GET", "/openapi.json", nil, "")
	if err := json.Unmarshal(resp.body, &doc); err != nil || len(doc.Paths) == 0 {
		w.t.Fatalf("the OpenAPI document: %v: %.200s", err, resp.body)
	}
	w.schemas = doc.Components.Schemas
	for path, ops := range doc.Paths {
		for method, op := range ops {
			_, stream := op.Responses["200"].Content["text/event-stream"]
			r := route{method: strings.ToUpper(method), path: path, stream: stream}
			if rb := op.RequestBody; rb != nil {
				r.body, r.bodyRequired = w.resolve(rb.Content["application/json"].Schema), rb.Required
			}
			for _, p := range op.Parameters {
				if p.In == "query" {
					r.query = append(r.query, p.Name)
				}
			}
			w.routes = append(w.routes, r)
		}
	}
	slices.SortFunc(w.routes, func(x, y route) int { return strings.Compare(x.String(), y.String()) })
}

// resolve follows a $ref to its schema.
func (w *world) resolve(s *schema) *schema {
	for s != nil && s.Ref != "" {
		s = w.schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
	}
	return s
}

// response is what the server answered.
type response struct {
	status      int
	contentType string
	body        []byte
}

// send sends a request with the tenant's key (none when tn is nil); contentType ""
// means application/json when there is a body.
func (w *world) send(tn *tenant, method, path string, body []byte, contentType string) response {
	w.t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, w.url+path, r)
	if err != nil {
		w.t.Fatal(err)
	}
	if tn != nil {
		req.Header.Set("Authorization", "Bearer "+tn.key)
	}
	if body != nil {
		if contentType == "" {
			contentType = "application/json"
		}
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatalf("%s %.200s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	return response{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: raw}
}

// must sends a JSON request that must answer 2xx, and returns the answer decoded.
func (w *world) must(tn *tenant, method, path, body string) map[string]any {
	w.t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	resp := w.send(tn, method, path, b, "")
	var out map[string]any
	if resp.status/100 != 2 || json.Unmarshal(resp.body, &out) != nil {
		w.t.Fatalf("%s %s: got %d %s", method, path, resp.status, resp.body)
	}
	return out
}

// fixtureBody fills the {kind} placeholders of a body with the tenant's ids.
var placeholder = regexp.MustCompile(`\{([a-z-]+)\}`)

func (w *world) fill(tn *tenant, s string) string {
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		kind := m[1 : len(m)-1]
		if kind == "receiver" {
			return w.receiver
		}
		id, ok := tn.ids[kind]
		if !ok {
			w.t.Fatalf("no fixture of kind %q", kind)
		}
		return id
	})
}

// populate creates one of every resource in the tenant's workspace, and more than one
// of some, so that every route has something to name.
func (w *world) populate(tn *tenant) {
	create := func(kind, path, body string) map[string]any {
		out := w.must(tn, "POST", path, w.fill(tn, body))
		tn.ids[kind] = out["id"].(string)
		return out
	}
	create("webhook", "/v1/webhooks", `{"name":"all","url":"{receiver}","format":"featurebase","topics":["post.created","post.voted","comment.created"]}`)
	create("user", "/v1/users", `{"name":"Ada","type":"customer"}`)
	create("admin", "/v1/users", `{"name":"Grace","type":"admin"}`)
	create("discovery-state", "/v1/discovery-states", `{"name":"To review"}`)
	create("discovery", "/v1/discoveries", `{"title":"Dark mode","discoveryStateId":"{discovery-state}"}`)
	create("component", "/v1/components", `{"title":"Editor"}`)
	create("message", "/v1/messages", `{"title":"Export","content":"Please","channel":"INTERCOM","requesterId":"{user}","submitterId":"{user}"}`)
	create("feedback", "/v1/feedback", `{"messageId":"{message}","discoveryId":"{discovery}","score":1}`)
	create("board", "/v1/boards", `{"name":"Ideas"}`)
	create("post-status", "/v1/post-statuses", `{"name":"Planned","color":"blue","type":"unstarted"}`)
	create("post", "/v1/posts", `{"title":"Dark mode?","content":"<p>Please</p>","boardId":"{board}","authorId":"{user}"}`)
	w.must(tn, "POST", w.fill(tn, "/v1/posts/{post}/votes"), w.fill(tn, `{"voterId":"{user}"}`))
	tn.ids["voter"] = tn.ids["user"]
	create("comment", "/v1/comments", `{"postId":"{post}","content":"Yes","authorId":"{user}"}`)
	create("changelog", "/v1/changelogs", `{"title":"v2","content":"<p>New</p>"}`)
	create("conversation", "/v1/conversations", `{"title":"Help","contactId":"{user}","bodyMarkdown":"Hello"}`)
	tn.ids["participant"] = tn.ids["user"]
	part := w.must(tn, "POST", w.fill(tn, "/v1/conversations/{conversation}/parts"), w.fill(tn, `{"partType":"admin_note","authorId":"{admin}","bodyMarkdown":"Note"}`))
	tn.ids["part"] = part["id"].(string)
	tn.ids["event"] = w.first(tn, "/v1/events")
	tn.ids["delivery"] = w.first(tn, "/v1/deliveries")
	tn.ids["api-key"] = w.first(tn, "/v1/api-keys")
	// No job runner runs here: the job stays queued, and changes nothing behind the
	// tests' back.
	job := w.must(tn, "POST", w.fill(tn, "/v1/webhooks/{webhook}/replay"), `{"since":"2020-01-01T00:00:00Z"}`)
	tn.ids["job"] = job["id"].(string)
}

// first returns the id of the first item of a list.
func (w *world) first(tn *tenant, path string) string {
	list := w.must(tn, "GET", path, "")
	data, _ := list["data"].([]any)
	if len(data) == 0 {
		w.t.Fatalf("GET %s: an empty list", path)
	}
	return data[0].(map[string]any)["id"].(string)
}

// state returns the digest of every table, as dump does, but dumps again only when
// something committed since the last dump: thousands of requests change nothing, and
// a dump under the race detector is slow.
func (w *world) state() map[string]string {
	w.t.Helper()
	// SQLite's data_version changes when another connection commits; Postgres's next
	// transaction id when any transaction writes.
	query := `PRAGMA data_version`
	if testpg.Engine() == "postgres" {
		query = `SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint`
	}
	var version int64
	if err := w.db.QueryRowContext(context.Background(), query).Scan(&version); err != nil {
		w.t.Fatal(err)
	}
	if w.snap == nil || version != w.snapAt {
		w.snap, w.snapAt = w.dump(), version
	}
	return w.snap
}

// dump returns a digest of every table: the rows of each, in order. api_keys is
// counted only, since authenticating a request may note when its key was last used.
func (w *world) dump() map[string]string {
	w.t.Helper()
	query := `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
	if testpg.Engine() == "postgres" {
		query = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`
	}
	tables, err := w.db.QueryContext(context.Background(), query)
	if err != nil {
		w.t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var name string
		if err := tables.Scan(&name); err != nil {
			w.t.Fatal(err)
		}
		names = append(names, name)
	}
	tables.Close()
	out := make(map[string]string, len(names))
	for _, name := range names {
		query := `SELECT * FROM "` + name + `"` // digest sorts the rows
		if name == "api_keys" {
			query = `SELECT count(*) FROM api_keys`
		}
		out[name] = w.digest(query)
	}
	return out
}

func (w *world) digest(query string) string {
	rows, err := w.db.QueryContext(context.Background(), query)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		w.t.Fatal(err)
	}
	values := make([]any, len(columns))
	pointers := make([]any, len(columns))
	for i := range values {
		pointers[i] = &values[i]
	}
	var lines []string
	for rows.Next() {
		if err := rows.Scan(pointers...); err != nil {
			w.t.Fatal(err)
		}
		lines = append(lines, fmt.Sprintf("%q", values))
	}
	if err := rows.Err(); err != nil {
		w.t.Fatal(err)
	}
	slices.Sort(lines) // rows come in no set order, on Postgres least of all
	h := sha256.New()
	for _, line := range lines {
		fmt.Fprintln(h, line)
	}
	return fmt.Sprintf("%d rows %s", len(lines), hex.EncodeToString(h.Sum(nil))[:16])
}

// changed returns the tables whose rows differ between two dumps.
func changed(before, after map[string]string) []string {
	var out []string
	for name, d := range after {
		if before[name] != d {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// healthy fails the test when the server stopped answering /healthz.
func (w *world) healthy(after string) {
	w.t.Helper()
	if resp := w.send(nil, "GET", "/healthz", nil, ""); resp.status != 200 {
		w.t.Fatalf("after %s: /healthz answered %d", after, resp.status)
	}
}

// pathKinds names the fixture each path parameter takes, by the collection it follows
// ("/v1/posts/{id}") or by its own name ("{voterId}").
var pathKinds = map[string]string{
	"users": "user", "messages": "message", "discovery-states": "discovery-state", "discoveries": "discovery",
	"components": "component", "feedback": "feedback", "api-keys": "api-key", "webhooks": "webhook",
	"jobs": "job", "deliveries": "delivery", "boards": "board", "post-statuses": "post-status", "posts": "post",
	"comments": "comment", "changelogs": "changelog", "conversations": "conversation", "events": "event",
	"{voterId}": "voter", "{partId}": "part", "{userId}": "participant",
}

// pathParams returns the parameters of a path, each with the kind of fixture it
// takes; a parameter the tests cannot fill fails the test.
func (w *world) pathParams(path string) (params, kinds []string) {
	w.t.Helper()
	segments := strings.Split(path, "/")
	for i, seg := range segments {
		if !strings.HasPrefix(seg, "{") {
			continue
		}
		kind, ok := pathKinds[seg]
		if !ok && seg == "{id}" {
			kind, ok = pathKinds[segments[i-1]]
		}
		if !ok {
			w.t.Fatalf("%s: the test does not know which resource %s names; add it to pathKinds", path, seg)
		}
		params, kinds = append(params, seg), append(kinds, kind)
	}
	return params, kinds
}

// fillPath puts into each parameter of path the id of its kind from the tenant at the
// same position in owners.
func (w *world) fillPath(path string, owners ...*tenant) string {
	params, kinds := w.pathParams(path)
	for i, p := range params {
		path = strings.Replace(path, p, owners[i].ids[kinds[i]], 1)
	}
	return path
}

// validBodies is a valid body for each operation that takes one, with {kind}
// placeholders for the tenant's ids. An operation missing here fails the tests.
var validBodies = map[string]string{
	"POST /v1/users":                           `{"name":"Lin","type":"lead"}`,
	"PATCH /v1/users/{id}":                     `{"name":"Ada L."}`,
	"POST /v1/messages":                        `{"title":"Export","content":"Again","channel":"INTERCOM","requesterId":"{user}","submitterId":"{user}"}`,
	"PATCH /v1/messages/{id}":                  `{"title":"Export to PDF"}`,
	"POST /v1/discovery-states":                `{"name":"Done"}`,
	"PATCH /v1/discovery-states/{id}":          `{"name":"Reviewed"}`,
	"POST /v1/discoveries":                     `{"title":"Export","discoveryStateId":"{discovery-state}"}`,
	"PATCH /v1/discoveries/{id}":               `{"title":"Dark theme"}`,
	"POST /v1/components":                      `{"title":"Search"}`,
	"PATCH /v1/components/{id}":                `{"title":"Rich editor"}`,
	"POST /v1/feedback":                        `{"messageId":"{message}","discoveryId":"{discovery}","score":2}`,
	"PATCH /v1/feedback/{id}":                  `{"score":3}`,
	"POST /v1/api-keys":                        `{"name":"ci"}`,
	"POST /v1/api-keys/{id}/rotate":            `{"gracePeriod":"1h"}`,
	"POST /v1/webhooks":                        `{"name":"crm","url":"{receiver}","format":"featurebase","topics":["post.created"]}`,
	"PATCH /v1/webhooks/{id}":                  `{"name":"everything"}`,
	"POST /v1/webhooks/{id}/secret":            `{"gracePeriod":"1h"}`,
	"POST /v1/webhooks/{id}/test":              `{"eventType":"post.created"}`,
	"POST /v1/webhooks/{id}/filter/test":       `{"payload":{"topic":"post.created"},"filter":{"topic":"post.created"}}`,
	"POST /v1/webhooks/{id}/recover":           `{"since":"2020-01-01T00:00:00Z"}`,
	"POST /v1/webhooks/{id}/replay":            `{"since":"2020-01-01T00:00:00Z"}`,
	"POST /v1/boards":                          `{"name":"Bugs"}`,
	"PATCH /v1/boards/{id}":                    `{"name":"Feature requests"}`,
	"POST /v1/post-statuses":                   `{"name":"Shipped","color":"green","type":"completed"}`,
	"PATCH /v1/post-statuses/{id}":             `{"name":"Soon"}`,
	"POST /v1/posts":                           `{"title":"Export","content":"<p>PDF</p>","boardId":"{board}","authorId":"{user}"}`,
	"PATCH /v1/posts/{id}":                     `{"title":"Dark mode!"}`,
	"POST /v1/posts/{id}/votes":                `{"voterId":"{admin}"}`,
	"POST /v1/comments":                        `{"postId":"{post}","content":"+1","authorId":"{user}"}`,
	"PATCH /v1/comments/{id}":                  `{"content":"+2"}`,
	"POST /v1/changelogs":                      `{"title":"v3","content":"<p>More</p>"}`,
	"PATCH /v1/changelogs/{id}":                `{"title":"v2.1"}`,
	"POST /v1/changelogs/{id}/publish":         `{"locale":"en"}`,
	"POST /v1/conversations":                   `{"title":"Billing","contactId":"{user}","bodyMarkdown":"Hi"}`,
	"PATCH /v1/conversations/{id}":             `{"priority":true}`,
	"POST /v1/conversations/{id}/parts":        `{"partType":"admin_msg","authorId":"{admin}","bodyMarkdown":"Hello"}`,
	"POST /v1/conversations/{id}/participants": `{"userId":"{admin}"}`,
	"POST /v1/conversations/{id}/read":         `{"userId":"{admin}"}`,
}

// validBody returns the tenant's valid body of a route, and fails the test when the
// route takes a body the test does not know.
func (w *world) validBody(tn *tenant, r route) []byte {
	w.t.Helper()
	body, ok := validBodies[r.String()]
	switch {
	case ok:
		return []byte(w.fill(tn, body))
	case r.body != nil:
		w.t.Fatalf("%s takes a body, and the test knows no valid one; add it to validBodies", r)
	}
	return nil
}

// idKinds names the fixture kind each id member of a body takes. A member ending in
// Id that is missing here fails the bad input test; "" marks an id that names nothing
// of feedwire's (a team, a message's id in its source).
var idKinds = map[string]string{
	"requesterId": "user", "submitterId": "user", "assigneeId": "admin", "authorId": "user", "voterId": "user",
	"contactId": "user", "userId": "user", "adminAssigneeId": "admin", "boardId": "board", "statusId": "post-status",
	"postId": "post", "parentCommentId": "comment", "messageId": "message", "discoveryId": "discovery",
	"discoveryStateId": "discovery-state", "webhookId": "webhook", "parentId": "", "teamAssigneeId": "", "integrationId": "",
}

// parentKind is the kind a parentId takes on a route: its own collection's.
func parentKind(r route) string {
	if strings.HasPrefix(r.path, "/v1/components") {
		return "component"
	}
	return "discovery"
}
