package httpapi_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// badRequest is one bad request: what is bad about it, and the request.
type badRequest struct {
	what        string
	path        string // "" for the route's own, filled with A's ids
	body        []byte // nil for none
	contentType string // "" for application/json
}

// badCase is what a kind of bad input starts from: a write route, its path with A's
// ids, and a valid body decoded (nil when it takes none).
type badCase struct {
	w     *world
	r     route
	path  string
	valid []byte
	body  map[string]any
}

// with returns the valid body with member name set to v, marshalled.
func (c *badCase) with(name string, v any) []byte {
	m := map[string]any{}
	maps.Copy(m, c.body)
	m[name] = v
	b, _ := json.Marshal(m)
	return b
}

// withRaw returns the valid body with member name set to raw JSON text.
func (c *badCase) withRaw(name, raw string) []byte {
	m := map[string]any{}
	maps.Copy(m, c.body)
	m[name] = json.RawMessage(raw)
	b, _ := json.Marshal(m)
	return b
}

// base is the valid body, or a small object for a route that takes none: the checks
// of the JSON itself apply to any body.
func (c *badCase) base() []byte {
	if c.valid != nil {
		return c.valid
	}
	return []byte(`{"note":"x"}`)
}

// props returns the body's properties, sorted by name, that match keep.
func (c *badCase) props(keep func(name string, s *schema) bool) []string {
	if c.r.body == nil {
		return nil
	}
	var names []string
	for name, s := range c.r.body.Properties {
		if keep(name, c.w.resolve(s)) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// eachProp makes one request per property that keep matches, with the value v gives.
func (c *badCase) eachProp(keep func(string, *schema) bool, v func(name string) any) []badRequest {
	var out []badRequest
	for _, name := range c.props(keep) {
		out = append(out, badRequest{what: name, body: c.with(name, v(name))})
	}
	return out
}

func hasType(s *schema, types ...string) bool {
	return slices.ContainsFunc(s.types(), func(t string) bool { return slices.Contains(types, t) })
}

func isID(name string, s *schema) bool { return strings.HasSuffix(name, "Id") }

// badInputs are the kinds of bad input. Each makes its requests for a route, or none
// when it does not apply there; a request must be refused with a 4xx problem.
var badInputs = []struct {
	name string
	make func(c *badCase) []badRequest
}{
	// The JSON itself, refused before any handler, so on every route.
	{"invalid JSON", func(c *badCase) []badRequest { return []badRequest{{body: []byte(`{"title":,}`)}} }},
	{"truncated JSON", func(c *badCase) []badRequest {
		b := c.base()
		return []badRequest{{body: b[:len(b)/2]}, {body: b[:len(b)-1]}}
	}},
	{"two JSON values", func(c *badCase) []badRequest {
		return []badRequest{{body: append(append([]byte{}, c.base()...), c.base()...)}, {body: append(append([]byte{}, c.base()...), " x"...)}}
	}},
	{"depth 40", func(c *badCase) []badRequest {
		return []badRequest{{body: []byte(`{"customFields":` + strings.Repeat(`{"a":`, 39) + "1" + strings.Repeat("}", 40))}}
	}},
	{"depth 9000", func(c *badCase) []badRequest {
		return []badRequest{{body: []byte(strings.Repeat("[", 9000) + strings.Repeat("]", 9000))}}
	}},
	{"duplicate keys", func(c *badCase) []badRequest {
		b := c.base()
		first := strings.TrimSuffix(strings.SplitN(string(b[1:]), ",", 2)[0], "}") // "name":value
		return []badRequest{{body: []byte("{" + first + "," + string(b[1:]))}}
	}},
	{"NUL in a string", func(c *badCase) []badRequest {
		return append(c.eachProp(func(_ string, s *schema) bool { return hasType(s, "string") }, func(string) any { return "a\x00b" }),
			badRequest{what: "a member name", body: []byte(`{"a\u0000":1}`)})
	}},
	{"raw NUL byte", func(c *badCase) []badRequest { return []badRequest{{body: []byte("{\"title\":\"a\x00b\"}")}} }},
	{"invalid UTF-8 (0xff)", func(c *badCase) []badRequest {
		return []badRequest{{body: []byte("{\"title\":\"a\xffb\"}")}, {what: "in a name", body: []byte("{\"a\xff\":1}")}}
	}},
	{"overlong UTF-8", func(c *badCase) []badRequest { return []badRequest{{body: []byte("{\"title\":\"\xc0\xaf\"}")}} }},
	{"lone surrogate", func(c *badCase) []badRequest {
		return []badRequest{{body: []byte(`{"title":"\ud800"}`)}, {body: []byte(`{"title":"\udc00\ud800"}`)}}
	}},
	{"300 KiB body", func(c *badCase) []badRequest {
		return []badRequest{{body: c.with("title", strings.Repeat("x", 300<<10))}}
	}},
	{"string over 100,000 characters", func(c *badCase) []badRequest {
		return []badRequest{{body: []byte(`{"content":"` + strings.Repeat("x", 100_001) + `"}`)}}
	}},
	{"huge number (1e400)", func(c *badCase) []badRequest {
		out := c.eachProp(func(_ string, s *schema) bool { return hasType(s, "number", "integer") }, func(string) any { return json.RawMessage("1e400") })
		return append(out, badRequest{body: []byte(`{"score":1e400}`)})
	}},
	{"NaN literal", func(c *badCase) []badRequest { return []badRequest{{body: []byte(`{"score":NaN}`)}} }},
	{"form body", func(c *badCase) []badRequest {
		return []badRequest{{body: []byte("name=x&type=admin"), contentType: "application/x-www-form-urlencoded"}}
	}},

	// The shape of the body, on every route that takes one.
	{"wrong Content-Type", func(c *badCase) []badRequest {
		if c.valid == nil {
			return nil
		}
		return []badRequest{{body: c.valid, contentType: "text/plain"}, {body: c.valid, contentType: "application/xml"}}
	}},
	{"array instead of object", func(c *badCase) []badRequest {
		if c.valid == nil {
			return nil
		}
		return []badRequest{{body: []byte("[" + string(c.valid) + "]")}}
	}},
	{"scalar instead of object", func(c *badCase) []badRequest {
		if c.valid == nil {
			return nil
		}
		return []badRequest{{body: []byte(`"x"`)}, {body: []byte(`42`)}, {body: []byte(`null`)}}
	}},
	{"empty body where one is required", func(c *badCase) []badRequest {
		if c.valid == nil || !c.r.bodyRequired {
			return nil
		}
		return []badRequest{{body: []byte{}}}
	}},
	{"empty object where members are required", func(c *badCase) []badRequest {
		if c.valid == nil || len(c.r.body.Required) == 0 {
			return nil
		}
		return []badRequest{{body: []byte(`{}`)}}
	}},
	{"null for a required member", func(c *badCase) []badRequest {
		// A PATCH's members are nullable in the schema, null clearing a field; the valid
		// PATCH bodies hold only fields that cannot be cleared.
		var out []badRequest
		for _, name := range slices.Sorted(maps.Keys(c.body)) {
			if c.r.method == "PATCH" || slices.Contains(c.r.body.Required, name) {
				out = append(out, badRequest{what: name, body: c.withRaw(name, "null")})
			}
		}
		return out
	}},
	{"unknown member", func(c *badCase) []badRequest {
		if c.valid == nil {
			return nil
		}
		return []badRequest{{body: c.with("zzUnknown", 1)}}
	}},
	{"wrong type", func(c *badCase) []badRequest {
		var out []badRequest
		for _, name := range slices.Sorted(maps.Keys(c.body)) {
			var wrong any = 12345
			switch c.body[name].(type) {
			case float64:
				wrong = "12" // a number as a string
			case bool:
				wrong = "true"
			case []any:
				wrong = map[string]any{"a": 1}
			case map[string]any:
				wrong = []any{1}
			}
			out = append(out, badRequest{what: name, body: c.with(name, wrong)})
		}
		return out
	}},
	{"10 KB string where at most 500 characters go", func(c *badCase) []badRequest {
		short := func(name string, s *schema) bool {
			return hasType(s, "string") && (s.MaxLength != nil && *s.MaxLength <= 500 || name == "title" || name == "name")
		}
		return c.eachProp(short, func(string) any { return strings.Repeat("x", 10_000) })
	}},
	{"NaN-ish strings for numbers", func(c *badCase) []badRequest {
		var out []badRequest
		for _, v := range []string{"NaN", "Infinity", "-Infinity", "1e400", ""} {
			out = append(out, c.eachProp(func(_ string, s *schema) bool { return hasType(s, "number", "integer") }, func(string) any { return v })...)
		}
		return out
	}},
	{"bad enum value", func(c *badCase) []badRequest {
		return c.eachProp(func(_ string, s *schema) bool { return len(s.Enum) > 0 }, func(string) any { return "bogus" })
	}},
	{"dates in the wrong format", func(c *badCase) []badRequest {
		var out []badRequest
		for _, v := range []any{"2025-13-45T00:00:00Z", "yesterday", "15/01/2025", 1736937000} {
			out = append(out, c.eachProp(func(_ string, s *schema) bool { return s.Format == "date-time" }, func(string) any { return v })...)
		}
		return out
	}},
	{"10,000 items", func(c *badCase) []badRequest {
		return c.eachProp(func(_ string, s *schema) bool { return hasType(s, "array") }, func(string) any {
			return slices.Repeat([]any{"x"}, 10_000)
		})
	}},

	// References, in the body.
	{`"" ids`, func(c *badCase) []badRequest {
		return c.eachProp(isID, func(string) any { return "" })
	}},
	{"blank ids", func(c *badCase) []badRequest {
		return c.eachProp(isID, func(string) any { return "   " })
	}},
	{"ids that name nothing", func(c *badCase) []badRequest {
		return c.eachProp(c.knownID, func(string) any { return "c0000000000000000000000000" })
	}},
	{"ids of the wrong kind", func(c *badCase) []badRequest {
		return c.eachProp(c.knownID, func(name string) any {
			if c.idKind(name) == "changelog" {
				return c.w.a.ids["user"]
			}
			return c.w.a.ids["changelog"] // nothing refers to a changelog
		})
	}},
	{"ids of another workspace", func(c *badCase) []badRequest {
		return c.eachProp(c.knownID, func(name string) any { return c.w.b.ids[c.idKind(name)] })
	}},

	// Webhook URLs and headers.
	{"non-http webhook URLs", func(c *badCase) []badRequest {
		var out []badRequest
		for _, u := range []string{"ftp://example.com/hook", "javascript:alert(1)", "file:///etc/passwd", "gopher://example.com", "//example.com/hook", "example.com/hook"} {
			out = append(out, c.eachProp(isURL, func(string) any { return u })...)
		}
		return out
	}},
	{"webhook URL with credentials", func(c *badCase) []badRequest {
		var out []badRequest
		for _, u := range []string{"https://user:pass@example.com/hook", "https://user@example.com/hook"} {
			out = append(out, c.eachProp(isURL, func(string) any { return u })...)
		}
		return out
	}},
	{"URL with spaces or CRLF", func(c *badCase) []badRequest {
		var out []badRequest
		for _, u := range []string{"https://example.com/a b", "https://example.com/\r\nX-Injected: 1", "https://exa mple.com/", "https://example.com/\t"} {
			out = append(out, c.eachProp(isURL, func(string) any { return u })...)
		}
		return out
	}},
	{"header injection in custom headers", func(c *badCase) []badRequest {
		var out []badRequest
		for _, h := range []map[string]any{
			{"X-Team": "a\r\nX-Injected: 1"}, {"X-Team\r\nX-Injected": "1"}, {"Bad Name": "v"}, {"X-Team:": "v"},
			{"X-Team": "a\nb"}, {"": "v"}, {"Host": "evil.example"},
		} {
			out = append(out, c.eachProp(func(name string, _ *schema) bool { return name == "requestConfig" }, func(string) any {
				return map[string]any{"headers": h}
			})...)
		}
		return out
	}},

	// The path.
	{"path id of another workspace", func(c *badCase) []badRequest {
		return c.pathIDs(func(i int, kind string) string { return c.w.b.ids[kind] })
	}},
	{"path id of the wrong kind", func(c *badCase) []badRequest {
		return c.pathIDs(func(i int, kind string) string {
			if kind == "changelog" {
				return c.w.a.ids["user"]
			}
			return c.w.a.ids["changelog"]
		})
	}},
	{"path id that names nothing", func(c *badCase) []badRequest {
		var out []badRequest
		for _, id := range []string{"c0000000000000000000000000", strings.Repeat("a", 2000), "' OR 1=1 --", "%00", "..%2F..%2Fv1%2Fusers", "%E2%80%AE"} {
			out = append(out, c.pathIDs(func(int, string) string { return id })...)
		}
		return out
	}},
}

func isURL(name string, s *schema) bool {
	return hasType(s, "string") && (name == "url" || s.Format == "uri")
}

// idKind is the fixture kind an id member of the body takes.
func (c *badCase) idKind(name string) string {
	if name == "parentId" {
		return parentKind(c.r)
	}
	return idKinds[name]
}

func (c *badCase) knownID(name string, s *schema) bool {
	if !isID(name, s) {
		return false
	}
	kind, ok := idKinds[name]
	if !ok {
		c.w.t.Fatalf("%s: the test does not know what the body member %s names; add it to idKinds", c.r, name)
	}
	return kind != "" || name == "parentId"
}

// pathIDs makes one request per path parameter, with the id id gives there and A's
// ids elsewhere, and the valid body.
func (c *badCase) pathIDs(id func(i int, kind string) string) []badRequest {
	params, kinds := c.w.pathParams(c.r.path)
	var out []badRequest
	for i := range params {
		path := c.r.path
		for j, p := range params {
			v := c.w.a.ids[kinds[j]]
			if j == i {
				v = id(i, kinds[i])
			}
			if !strings.Contains(v, "%") {
				v = url.PathEscape(v)
			}
			path = strings.Replace(path, p, v, 1)
		}
		out = append(out, badRequest{what: params[i], path: path, body: c.valid})
	}
	return out
}

// TestBadInput sends every kind of bad input to every write route of the OpenAPI
// document (POST, PATCH, PUT and DELETE): each must answer a 4xx problem, never a 5xx
// or a 401, change nothing in the database, and leave the server up.
func TestBadInput(t *testing.T) {
	w := newWorld(t)
	requests, routes := 0, 0
	used := map[string]int{}
	for _, r := range w.routes {
		if r.method == "GET" {
			continue
		}
		routes++
		c := &badCase{w: w, r: r, path: w.fillPath(r.path, slices.Repeat([]*tenant{w.a}, 4)...), valid: w.validBody(w.a, r)}
		if c.valid != nil {
			if err := json.Unmarshal(c.valid, &c.body); err != nil {
				t.Fatalf("%s: the valid body: %v", r, err)
			}
		}
		kinds := 0
		for _, kind := range badInputs {
			reqs := kind.make(c)
			if len(reqs) > 0 {
				kinds++
				used[kind.name]++
			}
			for _, req := range reqs {
				w.checkBad(c, kind.name, req)
				requests++
			}
		}
		if kinds < 15 {
			t.Errorf("%s: only %d kinds of bad input apply", r, kinds)
		}
	}
	for _, kind := range badInputs {
		if used[kind.name] == 0 {
			t.Errorf("the kind %q applies to no route", kind.name)
		}
	}
	listRoutes, listRequests := w.badListQueries()
	t.Logf("bad input: %d kinds, %d requests to %d write routes; %d requests with bad queries to %d list routes",
		len(badInputs), requests, routes, listRequests, listRoutes)
}

// checkBad sends a bad request with A's key and checks the answer, the database and
// the server.
func (w *world) checkBad(c *badCase, kind string, req badRequest) {
	w.t.Helper()
	path := req.path
	if path == "" {
		path = c.path
	}
	name := fmt.Sprintf("%s %s: %s", c.r.method, c.r.path, kind)
	if req.what != "" {
		name += " (" + req.what + ")"
	}
	before := w.state()
	resp := w.send(w.a, c.r.method, path, req.body, req.contentType)
	if resp.status == 401 {
		w.t.Fatalf("%s: got 401 %.300s: A's key stopped working, so a bad request revoked or rotated it", name, resp.body)
	}
	if resp.status < 400 || resp.status > 499 {
		w.t.Errorf("%s: got %d %.300s, want a 4xx problem", name, resp.status, resp.body)
	} else if !strings.HasPrefix(resp.contentType, "application/problem+json") {
		w.t.Errorf("%s: got %d with Content-Type %q, want application/problem+json", name, resp.status, resp.contentType)
	}
	if tables := changed(before, w.state()); len(tables) > 0 {
		w.t.Errorf("%s: changed %v", name, tables)
	}
	w.healthy(name)
}

// badListQueries sends forged cursors and limits out of range to every list route: each
// must answer a 4xx problem.
func (w *world) badListQueries() (routes, requests int) {
	queries := []string{
		"limit=-1", "limit=0", "limit=101", "limit=99999999999999999999", "limit=abc", "limit=1e3",
		"cursor=zzz", "cursor=!!", "cursor=" + strings.Repeat("Y2x4", 100), "cursor=Y2x4%0A", "cursor=%00",
		"cursor=" + url.QueryEscape("' OR 1=1 --"),
	}
	for _, r := range w.routes {
		if r.method != "GET" || !slices.Contains(r.query, "cursor") {
			continue
		}
		routes++
		path := w.fillPath(r.path, slices.Repeat([]*tenant{w.a}, 4)...)
		for _, q := range queries {
			resp := w.send(w.a, "GET", path+"?"+q, nil, "")
			requests++
			if resp.status/100 != 4 || !strings.HasPrefix(resp.contentType, "application/problem+json") {
				w.t.Errorf("GET %s?%s: got %d %.200s, want a 4xx problem", r.path, q, resp.status, resp.body)
			}
		}
	}
	return routes, requests
}
