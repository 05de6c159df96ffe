package httpapi_test

import (
	"strings"
	"testing"
)

// TestReportedDefects replays the defects found by trying feedwire from outside: each
// answered 2xx or 500 before, and must now be a located 4xx problem.
func TestReportedDefects(t *testing.T) {
	a := setup(t)
	board := a.must(201, "POST", "/v1/boards", `{"name":"Ideas"}`)["id"].(string)
	author := a.must(201, "POST", "/v1/users", `{"name":"Ada","type":"customer"}`)["id"].(string)
	post := `{"title":"t","content":"c","boardId":"` + board + `","authorId":"` + author + `",`
	deep := strings.Repeat(`{"a":`, 9000) + "1" + strings.Repeat("}", 9000)
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantLocation             string
	}{
		{"customFields 9,000 deep", "POST", "/v1/posts", post + `"customFields":` + deep + `}`, 422, "body.customFields" + strings.Repeat(".a", 31)},
		{"NUL in a tag", "POST", "/v1/posts", post + `"tags":["a\u0000"]}`, 422, "body.tags[0]"},
		{"invalid UTF-8", "POST", "/v1/boards", "{\"name\":\"\xff\"}", 400, "body.name"},
		{"duplicate member", "POST", "/v1/boards", `{"name":"a","name":"b"}`, 422, "body.name"},
		{"400 KB customFields", "POST", "/v1/posts", post + `"customFields":{"a":"` + strings.Repeat("x", 400_000) + `"}}`, 413, "body"},
		{"17 KB customFields", "POST", "/v1/posts", post + `"customFields":{"a":"` + strings.Repeat("x", 17_000) + `"}}`, 422, "body.customFields"},
		{`"" discoveryStateId`, "POST", "/v1/discoveries", `{"title":"x","discoveryStateId":""}`, 422, "body.discoveryStateId"},
		{`"" parentId`, "POST", "/v1/discoveries", `{"title":"x","parentId":""}`, 422, "body.parentId"},
		{"40,000 unknown event types", "GET", "/v1/events?type=" + strings.Repeat("x,", 40_000) + "x", "", 422, "query.type[0]"},
		{"an unknown event type among known ones", "GET", "/v1/events?type=post.created,post.created,post.exploded", "", 422, "query.type[2]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, problem := a.do(tt.method, tt.path, tt.body)
			if status != tt.wantStatus || !strings.Contains(problemText(problem), `"location":"`+tt.wantLocation+`"`) {
				t.Errorf("got %d %.300v, want %d at %s", status, problem, tt.wantStatus, tt.wantLocation)
			}
		})
	}
	for path, want := range map[string]int{"/v1/posts": 0, "/v1/discoveries": 0, "/v1/boards": 1, "/v1/events": 0} {
		if got := len(a.must(200, "GET", path, "")["data"].([]any)); got != want {
			t.Errorf("GET %s: got %d items, want %d: a refused request stored one", path, got, want)
		}
	}
	// Repeating a type costs nothing: 40,000 entries are one type.
	if status, out := a.do("GET", "/v1/events?type="+strings.Repeat("post.created,", 40_000)+"post.created", ""); status != 200 {
		t.Errorf("40,000 times post.created: got %d %v, want 200", status, out)
	}
}

// TestEventTooLarge checks that a write whose event would pass feedwire.MaxEventSize
// answers 413 and changes nothing.
func TestEventTooLarge(t *testing.T) {
	a := setup(t)
	board := a.must(201, "POST", "/v1/boards", `{"name":"Ideas"}`)["id"].(string)
	author := a.must(201, "POST", "/v1/users", `{"name":"Ada","type":"customer"}`)["id"].(string)
	// 100,000 two-byte characters: a 200 KB body, and a post.updated of three copies.
	content := strings.Repeat("é", 100_000)
	post := a.must(201, "POST", "/v1/posts", `{"title":"t","content":"`+content+`","boardId":"`+board+`","authorId":"`+author+`"}`)
	path := "/v1/posts/" + post["id"].(string)
	status, problem := a.do("PATCH", path, `{"content":"`+strings.Repeat("è", 100_000)+`"}`)
	if status != 413 || !strings.Contains(problem["detail"].(string), "post.updated") {
		t.Fatalf("got %d %.300v, want 413 naming post.updated", status, problem)
	}
	if got := a.must(200, "GET", path, ""); got["content"] != content {
		t.Error("the refused update changed the post")
	}
	if events := a.must(200, "GET", "/v1/events", ""); len(events["data"].([]any)) != 1 {
		t.Errorf("got %d events, want only post.created", len(events["data"].([]any)))
	}
}

// TestURLsHoldOnlyStorableText: a path or query value with a NUL or bytes that are not
// UTF-8 names nothing (404) or is refused on its parameter (422), on either engine;
// Postgres would otherwise fail on the text and answer 500.
func TestURLsHoldOnlyStorableText(t *testing.T) {
	a := setup(t)
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/v1/users/%00", 404},
		{"/v1/users/%FF%FE", 404},
		{"/v1/events?type=%00", 422},
		{"/v1/deliveries?webhookId=%C3%28", 422},
		{"/v1/events?cursor=a%00b", 422},
		{"/v1/users/%E2%80%AE", 404}, // valid UTF-8 that names nothing: the store says so
	} {
		if status, body := a.do("GET", tc.path, ""); status != tc.status {
			t.Errorf("GET %s: got %d %v, want %d", tc.path, status, body, tc.status)
		}
	}
}
