package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// as returns the API called with another key of the same server.
func (a *api) as(key string) *api {
	b := *a
	b.key = key
	return &b
}

// raw sends a request and returns the status and the answer as it came.
func (a *api) raw(method, path, body string) (int, string) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.url+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestAPIKeyRoutes walks the key routes: create (the only answer with the key), list
// and get (prefixes only), revoke (the very next request is 401, even for the key that
// revoked itself), and rotate (the old key is refused at once, the new one works).
func TestAPIKeyRoutes(t *testing.T) {
	a := setup(t)
	created := a.must(201, "POST", "/v1/api-keys", `{"name":"ci","expiresIn":"720h"}`)
	secret, _ := created["secret"].(string)
	id, _ := created["id"].(string)
	if !strings.HasPrefix(secret, "fw_") || created["prefix"] != secret[:11] || created["name"] != "ci" || created["expiresAt"] == nil {
		t.Fatalf("created %v, want the key with its prefix, name and expiry", created)
	}
	ci := a.as(secret)
	ci.must(200, "GET", "/v1/users", "")

	for _, path := range []string{"/v1/api-keys", "/v1/api-keys/" + id} {
		status, body := a.raw("GET", path, "")
		if status != 200 || strings.Contains(body, secret) || strings.Contains(body, a.key) || strings.Contains(body, `"secret"`) {
			t.Errorf("GET %s: %d %s; want the keys without their secrets", path, status, body)
		}
		if !strings.Contains(body, `"prefix":"`+secret[:11]+`"`) {
			t.Errorf("GET %s: %s lacks the prefix %s", path, body, secret[:11])
		}
	}
	list := a.must(200, "GET", "/v1/api-keys", "")
	t.Logf("the workspace lists %d keys", len(list["data"].([]any)))
	if n := len(list["data"].([]any)); n != 2 {
		t.Errorf("got %d keys, want 2", n)
	}

	rotated := ci.must(200, "POST", "/v1/api-keys/"+id+"/rotate", `{}`)
	next, _ := rotated["secret"].(string)
	replaced, _ := rotated["replaced"].(map[string]any)
	if !strings.HasPrefix(next, "fw_") || next == secret || rotated["name"] != "ci" || replaced["id"] != id || replaced["revokedAt"] == nil {
		t.Fatalf("rotated %v, want a new key named ci replacing %s", rotated, id)
	}
	if status, problem := ci.do("GET", "/v1/users", ""); status != 401 || !strings.Contains(detail(problem), "revoked") {
		t.Errorf("the rotated key: got %d %v, want 401 saying revoked", status, problem)
	}
	fresh := a.as(next)
	fresh.must(200, "GET", "/v1/users", "")

	revoked := fresh.must(200, "DELETE", "/v1/api-keys/"+rotated["id"].(string), "")
	if revoked["revokedAt"] == nil || revoked["secret"] != nil {
		t.Errorf("revoke answered %v, want the key with revokedAt and no secret", revoked)
	}
	if status, _ := fresh.do("GET", "/v1/users", ""); status != 401 {
		t.Errorf("the key that revoked itself: got %d, want 401", status)
	}
	a.must(404, "DELETE", "/v1/api-keys/nope", "")
	a.must(409, "POST", "/v1/api-keys/"+id+"/rotate", `{}`)
}

// TestAPIKeyRotationGrace: with a grace period the rotated key works until it ends.
func TestAPIKeyRotationGrace(t *testing.T) {
	a := setup(t)
	created := a.must(201, "POST", "/v1/api-keys", "")
	old := a.as(created["secret"].(string))
	rotated := old.must(200, "POST", "/v1/api-keys/"+created["id"].(string)+"/rotate", `{"gracePeriod":"1s"}`)
	old.must(200, "GET", "/v1/users", "")
	a.as(rotated["secret"].(string)).must(200, "GET", "/v1/users", "")
	time.Sleep(1100 * time.Millisecond)
	if status, _ := old.do("GET", "/v1/users", ""); status != 401 {
		t.Errorf("the rotated key after its grace period: got %d, want 401", status)
	}
	a.as(rotated["secret"].(string)).must(200, "GET", "/v1/users", "")
	for _, body := range []string{`{"gracePeriod":"8d"}`, `{"gracePeriod":"soon"}`} {
		if status, _ := a.do("POST", "/v1/api-keys/"+rotated["id"].(string)+"/rotate", body); status != 422 {
			t.Errorf("rotate with %s: got %d, want 422", body, status)
		}
	}
}

// TestAPIKeyRotationTakesNameAndLifetime: the rotate body takes every member the create
// body takes, and the new key has them.
func TestAPIKeyRotationTakesNameAndLifetime(t *testing.T) {
	a := setup(t)
	created := a.must(201, "POST", "/v1/api-keys", `{"name":"ci"}`)
	rotated := a.must(200, "POST", "/v1/api-keys/"+created["id"].(string)+"/rotate", `{"name":"deploy","expiresIn":"720h","gracePeriod":"1h"}`)
	if rotated["name"] != "deploy" || rotated["expiresAt"] == nil {
		t.Errorf("rotated with a name and a lifetime: got %v, want the name deploy and an expiresAt", rotated)
	}
}

// TestAPIKeyExpiresOverHTTP: a key made to last a second is refused after it, with a
// message saying it expired.
func TestAPIKeyExpiresOverHTTP(t *testing.T) {
	a := setup(t)
	created := a.must(201, "POST", "/v1/api-keys", `{"expiresIn":"1s"}`)
	short := a.as(created["secret"].(string))
	short.must(200, "GET", "/v1/users", "")
	time.Sleep(1100 * time.Millisecond)
	status, problem := short.do("GET", "/v1/users", "")
	if status != 401 || !strings.Contains(detail(problem), "expired") {
		t.Errorf("after its expiry: got %d %v, want 401 saying expired", status, problem)
	}
	for _, body := range []string{`{"expiresIn":"forever"}`, `{"expiresIn":"-1h"}`, `{"expiresAt":"2001-01-01T00:00:00Z"}`} {
		if status, _ := a.do("POST", "/v1/api-keys", body); status != 422 {
			t.Errorf("create with %s: got %d, want 422", body, status)
		}
	}
}

// TestWebhookSecretShownOnPurpose: the answers to create and rotation and the reveal
// route show a webhook's secret; GET, the list and PATCH never do.
func TestWebhookSecretShownOnPurpose(t *testing.T) {
	a := setup(t)
	url := receiver(t).URL
	const secret = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA=="
	w := a.must(201, "POST", "/v1/webhooks", `{"name":"x","url":"`+url+`","format":"featurebase","topics":["post.created"],"secret":"`+secret+`"}`)
	id := w["id"].(string)
	if w["secret"] != secret {
		t.Errorf("create answered secret %v, want it", w["secret"])
	}
	hidden := func(secret string) {
		t.Helper()
		for _, req := range []struct{ method, path, body string }{
			{"GET", "/v1/webhooks/" + id, ""},
			{"GET", "/v1/webhooks", ""},
			{"PATCH", "/v1/webhooks/" + id, `{"name":"renamed"}`},
		} {
			status, body := a.raw(req.method, req.path, req.body)
			if status != 200 || strings.Contains(body, secret) || !strings.Contains(body, `"secret":null`) {
				t.Errorf("%s %s: %d %s; want secret null", req.method, req.path, status, body)
			}
		}
	}
	hidden(secret)
	if got := a.must(200, "GET", "/v1/webhooks/"+id+"/secret", ""); got["secret"] != secret || got["webhookId"] != id {
		t.Errorf("reveal answered %v, want the secret", got)
	}
	rotated := a.must(200, "POST", "/v1/webhooks/"+id+"/secret", `{"gracePeriod":"1h"}`)
	next, _ := rotated["secret"].(string)
	if !strings.HasPrefix(next, "whsec_") || next == secret {
		t.Fatalf("rotation answered secret %v, want a new one", rotated["secret"])
	}
	hidden(next)
	if got := a.must(200, "GET", "/v1/webhooks/"+id+"/secret", ""); got["secret"] != next {
		t.Errorf("reveal after rotation answered %v, want %s", got["secret"], next)
	}

	none := a.must(201, "POST", "/v1/webhooks", `{"name":"x","url":"`+url+`","format":"harvestr","topics":["MESSAGE_CREATED"],"secret":""}`)
	if got := a.must(200, "GET", "/v1/webhooks/"+none["id"].(string)+"/secret", ""); got["secret"] != nil {
		t.Errorf("reveal of a webhook without a secret answered %v, want null", got["secret"])
	}
	a.must(404, "GET", "/v1/webhooks/nope/secret", "")
}

// detail returns a problem's detail member.
func detail(problem map[string]any) string {
	s, _ := problem["detail"].(string)
	return s
}
