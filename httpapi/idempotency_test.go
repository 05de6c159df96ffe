package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

// post sends a POST with an Idempotency-Key and returns the status, the
// Idempotent-Replayed header and the body.
func (a *api) post(path, key, body string) (int, string, map[string]any) {
	a.t.Helper()
	req, _ := http.NewRequest("POST", a.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+a.key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		a.t.Fatalf("POST %s: answer is not a JSON object: %s", path, raw)
	}
	return resp.StatusCode, resp.Header.Get("Idempotent-Replayed"), out
}

// TestIdempotencyKey: a POST sent again with its Idempotency-Key gets the first answer
// again and creates nothing; the key with another body is refused, as is a bad key; a
// refusal is not kept; other keys behave as usual.
func TestIdempotencyKey(t *testing.T) {
	a := setup(t)
	const body = `{"name": "Ada", "type": "customer"}`
	status, replayed, first := a.post("/v1/users", "user-ada-1", body)
	if status != 201 || replayed != "" {
		t.Fatalf("the first POST: %d (replayed %q) %v", status, replayed, first)
	}
	status, replayed, again := a.post("/v1/users", "user-ada-1", body)
	if status != 201 || replayed != "true" || again["id"] != first["id"] {
		t.Errorf("the same POST again: %d (replayed %q), id %v; want 201, replayed, the first id %v", status, replayed, again["id"], first["id"])
	}
	if list := a.must(200, "GET", "/v1/users", ""); len(list["data"].([]any)) != 1 {
		t.Errorf("%d users after a POST sent twice with one key, want 1", len(list["data"].([]any)))
	}
	if status, _, out := a.post("/v1/users", "user-ada-1", `{"name": "Bob", "type": "customer"}`); status != 422 ||
		!strings.Contains(out["detail"].(string), "another request") {
		t.Errorf("the key with another body: %d %v, want 422", status, out)
	}
	if status, _, out := a.post("/v1/discovery-states", "user-ada-1", body); status != 422 {
		t.Errorf("the key on another path: %d %v, want 422", status, out)
	}
	if status, _, _ := a.post("/v1/users", "user-bob-1", `{"name": "Bob", "type": "customer"}`); status != 201 {
		t.Errorf("another key: %d, want 201", status)
	}
	for _, bad := range []string{strings.Repeat("k", 256), "two words"} {
		if status, _, _ := a.post("/v1/users", bad, body); status != 400 {
			t.Errorf("Idempotency-Key %q: %d, want 400", bad, status)
		}
	}
	// A refusal is not kept: the request, mended, can be sent again with its key.
	status, _, refused := a.post("/v1/users", "bad-user", `{"name": ""}`)
	if status != 422 {
		t.Fatalf("an invalid user: %d %v", status, refused)
	}
	if status, replayed, _ := a.post("/v1/users", "bad-user", `{"name": "Eve", "type": "customer"}`); status != 201 || replayed != "" {
		t.Errorf("the mended user with the key of a refused one: %d (replayed %q), want 201", status, replayed)
	}
	if list := a.must(200, "GET", "/v1/users", ""); len(list["data"].([]any)) != 3 {
		t.Errorf("%d users, want 3 (Ada, Bob, Eve)", len(list["data"].([]any)))
	}
}

// TestIdempotencyKeyConcurrent: of many POSTs sent at once with one key, one creates the
// user; each other one gets its answer or is told the first still runs (409).
func TestIdempotencyKeyConcurrent(t *testing.T) {
	a := setup(t)
	var wg sync.WaitGroup
	statuses := make([]int, 10)
	ids := make([]any, 10)
	for i := range statuses {
		wg.Go(func() {
			status, _, out := a.post("/v1/users", "at-once", `{"name": "Ada", "type": "customer"}`)
			statuses[i], ids[i] = status, out["id"]
		})
	}
	wg.Wait()
	for i, status := range statuses {
		if status != 201 && status != 409 {
			t.Errorf("POST %d: %d, want 201 or 409", i, status)
		}
		if status == 201 && (ids[i] == nil || ids[i] != ids[slices.Index(statuses, 201)]) {
			t.Errorf("POST %d: 201 with id %v, want the one user's", i, ids[i])
		}
	}
	if list := a.must(200, "GET", "/v1/users", ""); len(list["data"].([]any)) != 1 {
		t.Errorf("%d users after 10 concurrent POSTs with one key, want 1", len(list["data"].([]any)))
	}
}
