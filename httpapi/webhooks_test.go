package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// receiver answers 200 to everything, the harvestr challenge included.
func receiver(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	return srv
}

func TestWebhookValidation(t *testing.T) {
	a := setup(t)
	url := receiver(t).URL
	tests := []struct {
		name, body string
		locations  []string
	}{
		{"topic of the other format", `{"name":"x","url":"` + url + `","format":"harvestr","topics":["post.created"]}`, []string{"body.topics[0]"}},
		{"unknown topic", `{"name":"x","url":"` + url + `","format":"featurebase","topics":["post.created","post.exploded"]}`, []string{"body.topics[1]"}},
		{"no topics", `{"name":"x","url":"` + url + `","format":"featurebase","topics":[]}`, []string{"body.topics"}},
		{"bad format", `{"name":"x","url":"` + url + `","format":"zapier","topics":["post.created"]}`, []string{"body.format"}},
		{"timeout bounds", `{"name":"x","url":"` + url + `","format":"featurebase","topics":["post.created"],"requestConfig":{"timeoutMs":999}}`, []string{"body.requestConfig.timeoutMs"}},
		{"reserved header", `{"name":"x","url":"` + url + `","format":"featurebase","topics":["post.created"],"requestConfig":{"headers":{"X-Webhook-Signature":"forged"}}}`, []string{"body.requestConfig.headers.X-Webhook-Signature"}},
		{"bad secret", `{"name":"x","url":"` + url + `","format":"featurebase","topics":["post.created"],"secret":"hunter2"}`, []string{"body.secret"}},
		{"bad schedule", `{"name":"x","url":"` + url + `","format":"featurebase","topics":["post.created"],"retrySchedule":["5s","soon"]}`, []string{"body.retrySchedule[1]"}},
		{"not http", `{"name":"x","url":"ftp://example.com","format":"featurebase","topics":["post.created"]}`, []string{"body.url"}},
		{"no rate", `{"name":"x","url":"` + url + `","format":"featurebase","topics":["post.created"],"rateLimit":{"perSecond":0}}`, []string{"body.rateLimit.perSecond"}},
		{"rate too high", `{"name":"x","url":"` + url + `","format":"featurebase","topics":["post.created"],"rateLimit":{"perSecond":10001,"burst":2000}}`, []string{"body.rateLimit.perSecond", "body.rateLimit.burst"}},
		{"rate without perSecond", `{"name":"x","url":"` + url + `","format":"featurebase","topics":["post.created"],"rateLimit":{"burst":5}}`, []string{"body.rateLimit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, problem := a.do("POST", "/v1/webhooks", tt.body)
			if status != 422 {
				t.Fatalf("got %d %v, want 422", status, problem)
			}
			for _, loc := range tt.locations {
				if !strings.Contains(problemText(problem), `"location":"`+loc+`"`) {
					t.Errorf("problem %v does not name %s", problemText(problem), loc)
				}
			}
		})
	}
	if list := a.must(200, "GET", "/v1/webhooks", ""); len(list["data"].([]any)) != 0 {
		t.Errorf("invalid requests stored webhooks: %v", list["data"])
	}
}

func TestWebhookLifecycle(t *testing.T) {
	a := setup(t)
	url := receiver(t).URL
	w := a.must(201, "POST", "/v1/webhooks", `{"name":"CRM","url":"`+url+`","format":"harvestr","topics":["MESSAGE_CREATED"],
		"requestConfig":{"timeoutMs":2000,"headers":{"X-Team":"support"}},"retrySchedule":["5s","5m","30m"]}`)
	id := w["id"].(string)
	if w["object"] != "webhook" || w["status"] != "active" || !strings.HasPrefix(w["secret"].(string), "whsec_") || len(id) != 24 {
		t.Fatalf("created %v", w)
	}
	if got := strings.Join(toStrings(w["retrySchedule"]), ","); got != "5s,5m,30m" {
		t.Errorf("retrySchedule %s", got)
	}
	if rc := w["requestConfig"].(map[string]any); rc["timeoutMs"] != 2000.0 {
		t.Errorf("requestConfig %v", rc)
	}

	paused := a.must(200, "PATCH", "/v1/webhooks/"+id, `{"status":"paused","retrySchedule":null,"requestConfig":{"timeoutMs":null}}`)
	if paused["status"] != "paused" || len(paused["retrySchedule"].([]any)) != 9 || paused["requestConfig"].(map[string]any)["timeoutMs"] != 5000.0 {
		t.Errorf("after patch: %v", paused)
	}
	if status, _ := a.do("PATCH", "/v1/webhooks/"+id, `{"status":"suspended"}`); status != 422 {
		t.Errorf("setting suspended by hand: got %d, want 422", status)
	}

	rotated := a.must(200, "POST", "/v1/webhooks/"+id+"/secret", `{"gracePeriod":"24h"}`)
	if rotated["secret"] == w["secret"] || rotated["previousSecretExpiresAt"] == nil {
		t.Errorf("after rotation: %v", rotated)
	}
	if status, _ := a.do("POST", "/v1/webhooks/"+id+"/secret", `{"gracePeriod":"30d"}`); status != 422 {
		t.Errorf("grace period 30d: got %d, want 422", status)
	}

	test := a.must(202, "POST", "/v1/webhooks/"+id+"/test", "")
	if test["object"] != "delivery" || test["test"] != true || test["eventType"] != "MESSAGE_CREATED" {
		t.Errorf("test delivery %v", test)
	}
	if got := a.must(200, "GET", "/v1/deliveries/"+test["id"].(string), ""); got["status"] != "pending" {
		t.Errorf("test delivery %v", got)
	}

	job := a.must(202, "POST", "/v1/webhooks/"+id+"/replay", `{"since":"`+time.Now().Add(-time.Hour).Format(time.RFC3339)+`"}`)
	if job["object"] != "job" || job["kind"] != "replay" {
		t.Errorf("replay job %v", job)
	}
	if got := a.must(200, "GET", "/v1/jobs/"+job["id"].(string), ""); got["id"] != job["id"] {
		t.Errorf("job %v", got)
	}

	deleted := a.must(200, "DELETE", "/v1/webhooks/"+id, "")
	if deleted["deleted"] != true || deleted["id"] != id {
		t.Errorf("delete answered %v", deleted)
	}
	a.must(404, "GET", "/v1/webhooks/"+id, "")
	a.must(404, "GET", "/v1/deliveries/"+test["id"].(string), "")
}

func TestDeliveriesQuery(t *testing.T) {
	a := setup(t)
	for _, q := range []string{"status=lost", "since=yesterday", "cursor=%21"} {
		if status, _ := a.do("GET", "/v1/deliveries?"+q, ""); status != 422 {
			t.Errorf("%s: got %d, want 422", q, status)
		}
	}
	a.must(404, "POST", "/v1/deliveries/nope/retry", "")
	if list := a.must(200, "GET", "/v1/deliveries?status=failed", ""); list["object"] != "list" {
		t.Errorf("list %v", list)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

// TestWebhookSecrets creates and rotates harvestr webhooks with no secret and with a
// secret token of the user's own: the API shows null for none and the text as given.
func TestWebhookSecrets(t *testing.T) {
	a := setup(t)
	url := receiver(t).URL
	none := a.must(201, "POST", "/v1/webhooks", `{"name":"x","url":"`+url+`","format":"harvestr","topics":["MESSAGE_CREATED"],"secret":""}`)
	id := none["id"].(string)
	if secret, ok := none["secret"]; !ok || secret != nil {
		t.Errorf(`created with "secret": "": secret %v (present %v), want null`, secret, ok)
	}
	if got := a.must(200, "GET", "/v1/webhooks/"+id, ""); got["secret"] != nil {
		t.Errorf("GET shows secret %v, want null", got["secret"])
	}
	list := a.must(200, "GET", "/v1/webhooks", "")
	if got := list["data"].([]any)[0].(map[string]any); got["secret"] != nil {
		t.Errorf("the list shows secret %v, want null", got["secret"])
	}

	text := a.must(201, "POST", "/v1/webhooks", `{"name":"x","url":"`+url+`","format":"harvestr","topics":["MESSAGE_CREATED"],"secret":"my shared token 42"}`)
	if text["secret"] != "my shared token 42" {
		t.Errorf("created with a text secret: secret %v, want it as given", text["secret"])
	}

	rotated := a.must(200, "POST", "/v1/webhooks/"+text["id"].(string)+"/secret", `{"secret":"","gracePeriod":"1h"}`)
	if rotated["secret"] != nil || rotated["previousSecretExpiresAt"] == nil {
		t.Errorf(`rotated to "" with a grace period: %v, want secret null and the text kept for 1h`, rotated)
	}
	rotated = a.must(200, "POST", "/v1/webhooks/"+id+"/secret", `{"secret":"another token","gracePeriod":"1h"}`)
	if rotated["secret"] != "another token" || rotated["previousSecretExpiresAt"] != nil {
		t.Errorf("rotated from none to a text: %v, want the text and no previous secret", rotated)
	}
	rotated = a.must(200, "POST", "/v1/webhooks/"+id+"/secret", `{}`)
	if secret, _ := rotated["secret"].(string); !strings.HasPrefix(secret, "whsec_") {
		t.Errorf("rotated without a secret: %v, want a generated one", rotated["secret"])
	}
}

// TestWebhookSecretRefusals checks the secrets each format refuses, on create and on
// rotation, and that a refused create stores nothing.
func TestWebhookSecretRefusals(t *testing.T) {
	a := setup(t)
	url := receiver(t).URL
	create := func(format, topic, secret string) string {
		return `{"name":"x","url":"` + url + `","format":"` + format + `","topics":["` + topic + `"],"secret":` + secret + `}`
	}
	tests := []struct {
		name, body, want string
	}{
		{"featurebase without a secret", create("featurebase", "post.created", `""`), "always has a secret"},
		{"featurebase with a text", create("featurebase", "post.created", `"my shared token 42"`), "must start with whsec_"},
		{"harvestr with 300 bytes", create("harvestr", "MESSAGE_CREATED", `"`+strings.Repeat("k", 300)+`"`), "at most 256 bytes"},
		{"harvestr with a line break", create("harvestr", "MESSAGE_CREATED", `"two\nlines"`), "control characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, problem := a.do("POST", "/v1/webhooks", tt.body)
			if status != 422 || !hasProblem(problem, "body.secret") || !strings.Contains(problemText(problem), tt.want) {
				t.Errorf("got %d %s, want 422 on body.secret saying %q", status, problemText(problem), tt.want)
			}
		})
	}
	if list := a.must(200, "GET", "/v1/webhooks", ""); len(list["data"].([]any)) != 0 {
		t.Errorf("refused requests stored webhooks: %v", list["data"])
	}

	fb := a.must(201, "POST", "/v1/webhooks", `{"name":"x","url":"`+url+`","format":"featurebase","topics":["post.created"]}`)
	hv := a.must(201, "POST", "/v1/webhooks", `{"name":"x","url":"`+url+`","format":"harvestr","topics":["MESSAGE_CREATED"]}`)
	for _, tc := range []struct{ name, id, body string }{
		{"featurebase to none", fb["id"].(string), `{"secret":""}`},
		{"harvestr to a line break", hv["id"].(string), `{"secret":"two\nlines"}`},
	} {
		if status, problem := a.do("POST", "/v1/webhooks/"+tc.id+"/secret", tc.body); status != 422 || !hasProblem(problem, "body.secret") {
			t.Errorf("rotate %s: got %d %s, want 422 on body.secret", tc.name, status, problemText(problem))
		}
	}
	if got := a.must(200, "GET", "/v1/webhooks/"+fb["id"].(string)+"/secret", ""); got["secret"] != fb["secret"] {
		t.Errorf("a refused rotation changed the secret to %v", got["secret"])
	}
}

// TestWebhookRateLimit sets, shows, changes and removes a webhook's rate limit; a bad
// one changes nothing.
func TestWebhookRateLimit(t *testing.T) {
	a := setup(t)
	url := receiver(t).URL
	w := a.must(201, "POST", "/v1/webhooks", `{"name":"slow","url":"`+url+`","format":"featurebase","topics":["post.created"],"rateLimit":{"perSecond":10}}`)
	id := w["id"].(string)
	if got := asJSON(w["rateLimit"]); got != `{"burst":1,"perSecond":10}` {
		t.Errorf("created with rateLimit %s, want perSecond 10 and the default burst 1", got)
	}
	w = a.must(200, "PATCH", "/v1/webhooks/"+id, `{"rateLimit":{"perSecond":50,"burst":5}}`)
	if got := asJSON(w["rateLimit"]); got != `{"burst":5,"perSecond":50}` {
		t.Errorf("patched rateLimit %s, want 50/s in bursts of 5", got)
	}
	if status, problem := a.do("PATCH", "/v1/webhooks/"+id, `{"rateLimit":{"perSecond":-1}}`); status != 422 ||
		!strings.Contains(problemText(problem), `"location":"body.rateLimit.perSecond"`) {
		t.Errorf("a negative rate: got %d %v, want 422 naming body.rateLimit.perSecond", status, problemText(problem))
	}
	if got := asJSON(a.must(200, "GET", "/v1/webhooks/"+id, "")["rateLimit"]); got != `{"burst":5,"perSecond":50}` {
		t.Errorf("a refused patch changed rateLimit to %s", got)
	}
	if w = a.must(200, "PATCH", "/v1/webhooks/"+id, `{"rateLimit":null}`); w["rateLimit"] != nil {
		t.Errorf("rateLimit null left %v", w["rateLimit"])
	}
	if w = a.must(200, "GET", "/v1/webhooks/"+id, ""); w["rateLimit"] != nil {
		t.Errorf("the removed rate limit reads back as %v", w["rateLimit"])
	}
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestWebhookOrdering sets a webhook FIFO, refuses an ordering that does not exist, and
// restores the default with null.
func TestWebhookOrdering(t *testing.T) {
	a := setup(t)
	url := receiver(t).URL
	w := a.must(201, "POST", "/v1/webhooks", `{"name":"x","url":"`+url+`","format":"featurebase","topics":["post.created"]}`)
	id := w["id"].(string)
	if w["ordering"] != "unordered" {
		t.Errorf("a new webhook's ordering is %v, want unordered", w["ordering"])
	}
	if w = a.must(200, "PATCH", "/v1/webhooks/"+id, `{"ordering":"fifo"}`); w["ordering"] != "fifo" {
		t.Errorf("ordering fifo gave %v", w["ordering"])
	}
	if status, problem := a.do("PATCH", "/v1/webhooks/"+id, `{"ordering":"lifo"}`); status != 422 ||
		!strings.Contains(problemText(problem), `"location":"body.ordering"`) {
		t.Errorf("ordering lifo: got %d %v, want 422 naming body.ordering", status, problemText(problem))
	}
	if w = a.must(200, "PATCH", "/v1/webhooks/"+id, `{"ordering":null}`); w["ordering"] != "unordered" {
		t.Errorf("ordering null gave %v, want unordered", w["ordering"])
	}
	w = a.must(201, "POST", "/v1/webhooks", `{"name":"y","url":"`+url+`","format":"featurebase","topics":["post.created"],"ordering":"fifo"}`)
	if w["ordering"] != "fifo" {
		t.Errorf("created with ordering fifo, got %v", w["ordering"])
	}
}
