package httpapi_test

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestTenancy sends, for every route of the OpenAPI document that names a resource in
// its path, a request with workspace A's key that names workspace B's resource, once
// per path parameter: each must answer 404 (not 403, which would confirm the id, and
// never 2xx or 5xx) and change nothing. Every list, and every read of A's own
// resources, must hold none of B's ids, filters set to B's ids included.
func TestTenancy(t *testing.T) {
	w := newWorld(t)
	var bIDs []string
	for _, id := range w.b.ids {
		bIDs = append(bIDs, id)
	}
	routes, requests := 0, 0
	for _, r := range w.routes {
		params, _ := w.pathParams(r.path)
		if r.stream {
			requests += w.checkStream(r, bIDs)
			routes++
			continue
		}
		if len(params) == 0 {
			if r.method == "GET" {
				requests += w.checkList(r, bIDs)
				routes++
			}
			continue
		}
		routes++
		body := w.validBody(w.a, r)
		for i := range params {
			owners := slices.Repeat([]*tenant{w.a}, len(params))
			owners[i] = w.b
			path := w.fillPath(r.path, owners...)
			before := w.state()
			resp := w.send(w.a, r.method, path, body, "")
			requests++
			if resp.status != 404 {
				t.Errorf("%s %s with B's %s: got %d %s, want 404", r.method, r.path, params[i], resp.status, resp.body)
			}
			if tables := changed(before, w.state()); len(tables) > 0 {
				t.Errorf("%s %s with B's %s changed %v", r.method, r.path, params[i], tables)
			}
		}
		if r.method == "GET" {
			requests += w.checkRead(r, bIDs)
		}
	}
	w.healthy("the tenancy requests")
	t.Logf("tenancy: %d routes, %d requests with workspace A's key", routes, requests)
}

// checkStream opens a stream with A's key while B and then A change a message, and
// fails when the stream sends anything of B's before A's change arrives.
func (w *world) checkStream(r route, bIDs []string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", w.url+r.path, nil)
	req.Header.Set("Authorization", "Bearer "+w.a.key)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatalf("%s: %v", r, err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(nil, 8<<20)
	if !lines.Scan() || resp.StatusCode != 200 {
		w.t.Fatalf("%s with A's key: got %d, want a stream", r, resp.StatusCode)
	}
	for _, tn := range []*tenant{w.b, w.a} {
		w.must(tn, "PATCH", "/v1/messages/"+tn.ids["message"], `{"title":"Changed while A listens"}`)
	}
	var got strings.Builder
	for lines.Scan() {
		got.WriteString(lines.Text() + "\n")
		if strings.Contains(lines.Text(), w.a.ids["message"]) {
			break
		}
	}
	if !strings.Contains(got.String(), w.a.ids["message"]) {
		w.t.Errorf("%s with A's key: A's change did not arrive within 10 s: %v", r, lines.Err())
	}
	if id := holdsAny([]byte(got.String()), bIDs); id != "" {
		w.t.Errorf("%s with A's key sent B's %s:\n%.500s", r, id, got.String())
	}
	return 3
}

// checkList reads a list with A's key, as it is and with each id filter set to B's
// id, and fails when the answer holds any of B's ids.
func (w *world) checkList(r route, bIDs []string) int {
	queries := []string{""}
	for _, q := range r.query {
		kind, ok := idKinds[q]
		if !strings.HasSuffix(q, "Id") {
			continue
		}
		if !ok || kind == "" {
			w.t.Errorf("%s: the test does not know which resource ?%s= names; add it to idKinds", r, q)
			continue
		}
		queries = append(queries, "?"+q+"="+url.QueryEscape(w.b.ids[kind]))
	}
	for _, q := range queries {
		resp := w.send(w.a, "GET", r.path+q, nil, "")
		if resp.status/100 == 5 {
			w.t.Errorf("GET %s%s: got %d", r.path, q, resp.status)
		}
		if id := holdsAny(resp.body, bIDs); id != "" {
			w.t.Errorf("GET %s%s with A's key shows B's %s", r.path, q, id)
		}
	}
	return len(queries)
}

// checkRead reads A's own resource and fails when it shows any of B's ids.
func (w *world) checkRead(r route, bIDs []string) int {
	params, _ := w.pathParams(r.path)
	resp := w.send(w.a, "GET", w.fillPath(r.path, slices.Repeat([]*tenant{w.a}, len(params))...), nil, "")
	if resp.status != 200 {
		w.t.Errorf("GET %s with A's own ids: got %d %s", r.path, resp.status, resp.body)
	}
	if id := holdsAny(resp.body, bIDs); id != "" {
		w.t.Errorf("GET %s with A's ids shows B's %s", r.path, id)
	}
	return 1
}

func holdsAny(body []byte, ids []string) string {
	for _, id := range ids {
		if strings.Contains(string(body), id) {
			return id
		}
	}
	return ""
}
