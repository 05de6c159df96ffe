package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// controlsArrival is one request a test receiver got.
type controlsArrival struct {
	header http.Header
	body   []byte
}

// controlsReceiver is a receiver on 127.0.0.1 that hands each request to the test.
func controlsReceiver(t *testing.T) (string, chan controlsArrival) {
	t.Helper()
	arrived := make(chan controlsArrival, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		arrived <- controlsArrival{r.Header.Clone(), body}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, arrived
}

func nextArrival(t *testing.T, arrived chan controlsArrival) controlsArrival {
	t.Helper()
	select {
	case a := <-arrived:
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery arrived within 10s")
		return controlsArrival{}
	}
}

// TestTemplateWebhookEndToEnd registers a template webhook with the CLI and checks that
// its receiver gets the rendered body, with the declared content type and Standard
// Webhooks headers that the official library verifies.
func TestTemplateWebhookEndToEnd(t *testing.T) {
	s := startServer(t, "--allow-private-networks")
	key := s.createKey(t, "acme")
	url, arrived := controlsReceiver(t)
	file := filepath.Join(t.TempDir(), "body.tmpl")
	tmpl := `{"event": {{json .Type}}, "title": {{json .Summary.Title}}, "channel": {{json .Payload.data.channel}}, "delivery": {{json .ID}}}`
	if err := os.WriteFile(file, []byte(tmpl), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := s.cli(t, key, "webhooks", "create", "--name", "ops", "--url", url, "--format", "template",
		"--topics", "MESSAGE_CREATED", "--template-file", file, "--template-content-type", "application/vnd.ops+json", "--output", "json")
	if err != nil {
		t.Fatalf("webhooks create: %v\n%s", err, stderr)
	}
	var hook struct {
		ID, Secret string
		Template   struct{ ContentType string }
	}
	if err := json.Unmarshal([]byte(stdout), &hook); err != nil || hook.Template.ContentType != "application/vnd.ops+json" {
		t.Fatalf("webhooks create printed %s (%v)", stdout, err)
	}
	user := call(t, key, "POST", s.url+"/v1/users", map[string]any{"name": "Ada", "type": "customer"}, 201)
	call(t, key, "POST", s.url+"/v1/messages", map[string]any{
		"title": "Export to PDF", "content": "Please", "channel": "MAIL", "requesterId": user["id"], "submitterId": user["id"],
	}, 201)

	got := nextArrival(t, arrived)
	t.Logf("template body: %s (Content-Type %s)", got.body, got.header.Get("Content-Type"))
	if ct := got.header.Get("Content-Type"); ct != "application/vnd.ops+json" {
		t.Errorf("Content-Type %q, want the template's", ct)
	}
	var body map[string]string
	if err := json.Unmarshal(got.body, &body); err != nil {
		t.Fatalf("the body is not the rendered JSON: %s", got.body)
	}
	if body["event"] != "MESSAGE_CREATED" || body["title"] != "New message: Export to PDF" || body["channel"] != "MAIL" ||
		body["delivery"] != got.header.Get("webhook-id") {
		t.Errorf("rendered %v", body)
	}
	wh, err := standardwebhooks.NewWebhook(hook.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(got.body, got.header); err != nil {
		t.Errorf("the Standard Webhooks library refuses the delivery: %v", err)
	}
	if got.header.Get("X-Harvestr-Webhook-Signature") != "" || got.header.Get("X-Webhook-Signature") != "" {
		t.Errorf("a template delivery carries a vendor signature: %v", got.header)
	}
}

// TestFilteredSlackWebhookEndToEnd registers a slack webhook with a filter with the
// CLI: only the matching message arrives, as a Slack message, signed; the other has no
// delivery at all.
func TestFilteredSlackWebhookEndToEnd(t *testing.T) {
	s := startServer(t, "--allow-private-networks")
	key := s.createKey(t, "acme")
	url, arrived := controlsReceiver(t)
	stdout, stderr, err := s.cli(t, key, "webhooks", "create", "--name", "team", "--url", url, "--format", "slack",
		"--topics", "MESSAGE_CREATED", "--filter", `{"data.channel": "MAIL"}`, "--output", "json")
	if err != nil {
		t.Fatalf("webhooks create: %v\n%s", err, stderr)
	}
	var hook struct{ ID, Secret string }
	if err := json.Unmarshal([]byte(stdout), &hook); err != nil {
		t.Fatal(err)
	}
	user := call(t, key, "POST", s.url+"/v1/users", map[string]any{"name": "Ada", "type": "customer"}, 201)
	for _, channel := range []string{"INTERCOM", "MAIL"} {
		call(t, key, "POST", s.url+"/v1/messages", map[string]any{
			"title": "From " + channel, "content": "Please", "channel": channel, "requesterId": user["id"], "submitterId": user["id"],
		}, 201)
	}
	got := nextArrival(t, arrived)
	var msg struct {
		Text   string           `json:"text"`
		Blocks []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal(got.body, &msg); err != nil || !strings.Contains(msg.Text, "From MAIL") || len(msg.Blocks) == 0 {
		t.Errorf("got %s, want the Slack message of the MAIL message", got.body)
	}
	wh, err := standardwebhooks.NewWebhook(hook.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(got.body, got.header); err != nil {
		t.Errorf("the Standard Webhooks library refuses the delivery: %v", err)
	}
	list := call(t, key, "GET", s.url+"/v1/deliveries?webhookId="+hook.ID, nil, 200)
	if n := len(list["data"].([]any)); n != 1 {
		t.Errorf("the filtered webhook has %d deliveries, want 1: the INTERCOM message has none", n)
	}

	payload := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(payload, []byte(`{"event":"MESSAGE_CREATED","data":{"channel":"SLACK"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := s.cli(t, key, "webhooks", "test-filter", hook.ID, "--payload-file", payload)
	if err != nil || !strings.HasPrefix(out, "rejected") {
		t.Errorf("webhooks test-filter: %q %v, want rejected", out, err)
	}
	out, _, err = s.cli(t, key, "webhooks", "test-filter", hook.ID, "--payload-file", payload, "--filter", `{"data.channel": {"$in": ["SLACK", "MAIL"]}}`)
	if err != nil || !strings.HasPrefix(out, "matched") {
		t.Errorf("webhooks test-filter with a candidate: %q %v, want matched", out, err)
	}
	// An update checks that no attempt changed the webhook meanwhile: wait for the record.
	eventually(t, func() bool {
		list := call(t, key, "GET", s.url+"/v1/deliveries?status=succeeded&webhookId="+hook.ID, nil, 200)
		return len(list["data"].([]any)) == 1
	})
	if _, _, err := s.cli(t, key, "webhooks", "update", hook.ID, "--filter", "null"); err != nil {
		t.Errorf("webhooks update --filter null: %v", err)
	}
	shown, _, err := s.cli(t, key, "webhooks", "show", hook.ID)
	if err != nil || !strings.Contains(shown, "filter") {
		t.Errorf("webhooks show: %q %v", shown, err)
	}
}
