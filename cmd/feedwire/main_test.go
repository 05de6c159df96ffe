package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/internal/testpg"
	"github.com/feedwire/feedwire/wire"
)

// noEnv keeps the tests independent of the FEEDWIRE_* variables of whoever runs them.
func noEnv(string) string { return "" }

// addrWatcher is the server's stderr: it keeps the log for failure messages and reports
// the address from the "listening" line.
type addrWatcher struct {
	mu    sync.Mutex
	found chan string
	buf   bytes.Buffer
}

var listeningLine = regexp.MustCompile(`msg=listening addr=(\S+)`)

func (w *addrWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if m := listeningLine.FindSubmatch(w.buf.Bytes()); m != nil && w.found != nil {
		w.found <- string(m[1])
		w.found = nil
	}
	return len(p), nil
}

// testServer is feedwire serve, started through run on a free port and a new database.
type testServer struct {
	url        string
	dsn        string
	metricsURL string // "" when started with --metrics-addr off
}

// startServer runs feedwire serve on a new database with extra flags, and metrics on a
// port of their own.
func startServer(t *testing.T, flags ...string) *testServer {
	t.Helper()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "feedwire.db")
	s, _ := startServerWith(t, dsn, noEnv, append([]string{"--metrics-addr", "127.0.0.1:0"}, flags...)...)
	return s
}

// startServerWith runs feedwire serve on dsn with the environment getenv and extra
// flags (metrics off unless they say otherwise), and returns it with its log.
func startServerWith(t *testing.T, dsn string, getenv func(string) string, flags ...string) (*testServer, *addrWatcher) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	found := make(chan string, 1)
	stderr := &addrWatcher{found: found}
	done := make(chan error, 1)
	go func() {
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--database", dsn, "--metrics-addr", "off"}, flags...)
		done <- run(ctx, args, getenv, io.Discard, stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve ended with %v", err)
		}
	})
	var addr string
	select {
	case addr = <-found:
	case err := <-done:
		t.Fatalf("serve ended before listening: %v\n%s", err, stderr.logText())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start listening within 30s")
	}
	s := &testServer{url: "http://" + addr, dsn: dsn, metricsURL: stderr.metricsURL()}
	waitHealthy(t, s.url)
	return s, stderr
}

// logText is what the server has logged so far.
func (w *addrWatcher) logText() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// waitHealthy waits until the server at url is healthy, and from then on checks its
// answers against its OpenAPI document until t ends.
func waitHealthy(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				checkAnswers(t, url)
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s/healthz did not answer 200 within 10s", url)
}

// createKey runs feedwire keys create against the server's database.
func (s *testServer) createKey(t *testing.T, workspace string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"keys", "create", "--workspace", workspace, "--database", s.dsn}, noEnv, &stdout, &stderr)
	if err != nil {
		t.Fatalf("keys create: %v\n%s", err, stderr.String())
	}
	key := strings.TrimSpace(stdout.String())
	if !strings.HasPrefix(key, "fw_") || strings.Contains(key, "\n") {
		t.Fatalf("keys create printed %q, want one key", stdout.String())
	}
	return key
}

// call sends a JSON request and decodes the JSON answer, failing the test unless the
// status is want.
func call(t *testing.T, key, method, url string, body any, want int) map[string]any {
	t.Helper()
	raw := callRaw(t, key, method, url, body, want)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: decode %s: %v", method, url, raw, err)
	}
	return out
}

func callRaw(t *testing.T, key, method, url string, body any, want int) []byte {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("%s %s: got status %d, want %d: %s", method, url, resp.StatusCode, want, raw)
	}
	return raw
}

// TestMessageEvents walks the README: a key, a user, a message created and patched, and
// both events in the log with exactly the seed's fields.
func TestMessageEvents(t *testing.T) {
	s := startServer(t)
	key := s.createKey(t, "acme")

	user := call(t, key, "POST", s.url+"/v1/users", map[string]any{"name": "Ada Lovelace", "type": "customer"}, 201)
	msg := call(t, key, "POST", s.url+"/v1/messages", map[string]any{
		"title": "Feature request: export to PDF", "content": "It would be great to export reports to PDF.",
		"channel": "INTERCOM", "requesterId": user["id"], "submitterId": user["id"],
		"receivedAt": "2025-01-15T14:28:00Z", "integrationUrl": "https://app.intercom.com/conversations/12345",
	}, 201)
	call(t, key, "PATCH", s.url+"/v1/messages/"+msg["id"].(string), map[string]any{"read": true, "title": "Export to PDF"}, 200)

	raw := callRaw(t, key, "GET", s.url+"/v1/events", nil, 200)
	var events struct {
		Data []struct {
			Type    string          `json:"type"`
			ID      string          `json:"id"`
			Payload json.RawMessage `json:"payload"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &events); err != nil {
		t.Fatal(err)
	}
	if len(events.Data) != 2 || events.Data[0].Type != "MESSAGE_UPDATED" || events.Data[1].Type != "MESSAGE_CREATED" {
		t.Fatalf("got events %s, want MESSAGE_UPDATED then MESSAGE_CREATED", raw)
	}
	seedFields := []string{"id", "clientId", "createdAt", "updatedAt", "title", "content", "channel", "read", "updated",
		"archived", "bin", "requesterId", "submitterId", "receivedAt", "integrationUrl", "integrationId", "assigneeId"}
	for _, e := range events.Data {
		envelope := keys(t, e.Payload)
		want := []string{"id", "event", "data"}
		if e.Type == "MESSAGE_UPDATED" {
			want = append(want, "changes")
		}
		if !equalStrings(envelope, want) {
			t.Errorf("%s envelope has %v, want %v", e.Type, envelope, want)
		}
		var p struct {
			ID      string          `json:"id"`
			Data    json.RawMessage `json:"data"`
			Changes json.RawMessage `json:"changes"`
		}
		json.Unmarshal(e.Payload, &p)
		if p.ID != e.ID {
			t.Errorf("payload id %s, want the event's id %s", p.ID, e.ID)
		}
		if got := keys(t, p.Data); !equalStrings(got, seedFields) {
			t.Errorf("%s data has %v, want the seed's %v", e.Type, got, seedFields)
		}
		if e.Type == "MESSAGE_UPDATED" && string(p.Changes) != `{"title":"Export to PDF","read":true,"updated":true}` {
			t.Errorf("got changes %s", p.Changes)
		}
	}
	created := events.Data[1].Payload
	for _, want := range []string{`"receivedAt":"2025-01-15T14:28:00.000Z"`, `"assigneeId":null`, `"integrationId":null`, `"clientId":"msg_`} {
		if !bytes.Contains(created, []byte(want)) {
			t.Errorf("MESSAGE_CREATED payload lacks %s: %s", want, created)
		}
	}
}

// TestBadMessageWritesNothing sends a message with an unknown channel and no title: the
// answer names both fields, and neither a message nor an event is stored.
func TestBadMessageWritesNothing(t *testing.T) {
	s := startServer(t)
	key := s.createKey(t, "acme")
	user := call(t, key, "POST", s.url+"/v1/users", map[string]any{"name": "Ada", "type": "customer"}, 201)
	problem := call(t, key, "POST", s.url+"/v1/messages", map[string]any{
		"content": "x", "channel": "FAX", "requesterId": user["id"], "submitterId": user["id"],
	}, 422)
	text, _ := json.Marshal(problem["errors"])
	for _, want := range []string{"body.channel", "title"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("problem %s does not name %s", text, want)
		}
	}
	if list := call(t, key, "GET", s.url+"/v1/messages", nil, 200); len(list["data"].([]any)) != 0 {
		t.Errorf("got messages %v, want none", list["data"])
	}
	if list := call(t, key, "GET", s.url+"/v1/events", nil, 200); len(list["data"].([]any)) != 0 {
		t.Errorf("got events %v, want none", list["data"])
	}
}

func TestAuthAndTenancy(t *testing.T) {
	s := startServer(t)
	acme, globex := s.createKey(t, "acme"), s.createKey(t, "globex")
	user := call(t, acme, "POST", s.url+"/v1/users", map[string]any{"name": "Ada", "type": "admin"}, 201)
	call(t, "", "GET", s.url+"/v1/users", nil, 401)
	call(t, "fw_0000", "GET", s.url+"/v1/users", nil, 401)
	call(t, globex, "GET", s.url+"/v1/users/"+user["id"].(string), nil, 404)
	call(t, globex, "PATCH", s.url+"/v1/users/"+user["id"].(string), map[string]any{"name": "Eve"}, 404)
	if got := call(t, acme, "GET", s.url+"/v1/users/"+user["id"].(string), nil, 200); got["name"] != "Ada" {
		t.Errorf("got user %v", got)
	}
}

func TestOpenAPI(t *testing.T) {
	s := startServer(t)
	doc := call(t, "", "GET", s.url+"/openapi.json", nil, 200)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("got openapi %v, want 3.1.0", doc["openapi"])
	}
	paths := doc["paths"].(map[string]any)
	for _, p := range []string{"/v1/users", "/v1/messages/{id}", "/v1/discovery-states", "/v1/discoveries", "/v1/components", "/v1/feedback", "/v1/events", "/v1/event-types",
		"/v1/boards", "/v1/post-statuses", "/v1/posts/{id}/votes", "/v1/comments", "/v1/changelogs/{id}/publish",
		"/v1/conversations", "/v1/conversations/{id}/parts/{partId}/redact"} {
		if paths[p] == nil {
			t.Errorf("OpenAPI document lacks %s", p)
		}
	}
	catalog, err := wire.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	want := len(feedwire.VendorEventTypes) + len(feedwire.OperationalEventTypes)
	if webhooks, _ := doc["webhooks"].(map[string]any); len(webhooks) != want || len(catalog) != want {
		t.Errorf("got %d webhooks in the OpenAPI document and %d event types, want %d", len(webhooks), len(catalog), want)
	}
}

func TestUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"help"}, noEnv, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "serve") {
		t.Errorf("help: %v, %q", err, stdout.String())
	}
	stdout.Reset()
	stderr.Reset()
	if err := run(context.Background(), []string{"webhooks", "create", "--help"}, noEnv, &stdout, &stderr); exitCode(err) != 0 ||
		!strings.Contains(stdout.String(), "Examples:") || !strings.Contains(stdout.String(), "\n  --url string\n") || stderr.Len() > 0 {
		t.Errorf("webhooks create --help: exit %d, printed %q on stdout and %q on stderr; want the usage with --flags on stdout", exitCode(err), stdout.String(), stderr.String())
	}
	stdout.Reset()
	if err := run(context.Background(), []string{"--version"}, noEnv, &stdout, &stderr); err != nil || !strings.HasPrefix(stdout.String(), "feedwire ") {
		t.Errorf("--version: %v, %q", err, stdout.String())
	}
	if err := run(context.Background(), []string{"webhooks", "list", "--bogus"}, noEnv, &stdout, &stderr); exitCode(err) != 2 || !strings.Contains(err.Error(), "-bogus") {
		t.Errorf("an unknown flag: %v (exit %d), want a usage error naming it", err, exitCode(err))
	}
	if err := run(context.Background(), []string{"frobnicate"}, noEnv, &stdout, &stderr); exitCode(err) != 2 {
		t.Errorf("unknown command: got %v (exit %d), want a usage error", err, exitCode(err))
	}
	if err := run(context.Background(), []string{"serve", "--database", "mysql://x"}, noEnv, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "sqlite:") {
		t.Errorf("bad database: got %v, want an error that shows sqlite:PATH", err)
	}
	if err := run(context.Background(), []string{"serve", "--role", "cook"}, noEnv, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "--role") {
		t.Errorf("an unknown role: got %v, want an error naming --role", err)
	}
	env := func(name string) string {
		if name == "FEEDWIRE_SHUTDOWN_TIMEOUT" {
			return "soon"
		}
		return ""
	}
	if err := run(context.Background(), []string{"serve"}, env, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "FEEDWIRE_SHUTDOWN_TIMEOUT") {
		t.Errorf("bad env: got %v, want an error naming FEEDWIRE_SHUTDOWN_TIMEOUT", err)
	}
}

// TestEnvironmentIsParsedStrictly: a setting from the environment is parsed as strictly
// as its flag, and a malformed one stops the command with an error that names it.
func TestEnvironmentIsParsedStrictly(t *testing.T) {
	for variable, value := range map[string]string{
		"FEEDWIRE_WORKERS": "12abc", "FEEDWIRE_RATE_LIMIT": "10k", "FEEDWIRE_RETENTION": "30d",
		"FEEDWIRE_ALLOW_PRIVATE_NETWORKS": "maybe", "FEEDWIRE_LOG_LEVEL": "loud", "FEEDWIRE_MAX_WEBHOOKS": "1e3",
	} {
		getenv := func(name string) string {
			if name == variable {
				return value
			}
			return ""
		}
		err := run(context.Background(), []string{"serve"}, getenv, io.Discard, io.Discard)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), variable) {
			t.Errorf("%s=%s: %v (exit %d), want a usage error naming it", variable, value, err, exitCode(err))
		}
	}
}

// TestHelpShowsNoSecret: with an API key and a database password in the environment,
// no command's help, nor any error about its flags, shows them.
func TestHelpShowsNoSecret(t *testing.T) {
	const key, password = "fw_live_do_not_print_me", "pg-password-do-not-print"
	getenv := func(name string) string {
		switch name {
		case "FEEDWIRE_API_KEY":
			return key
		case "FEEDWIRE_DATABASE":
			return "postgres://feedwire:" + password + "@db.internal/feedwire"
		}
		return ""
	}
	for _, args := range [][]string{
		{"webhooks", "list", "--help"}, {"webhooks", "list", "--bogus"}, {"webhooks", "list", "--limit", "x"},
		{"deliveries", "show", "--help"}, {"keys", "create", "--help"}, {"serve", "--help"}, {"migrate", "--help"},
		{"listen", "--help"}, {"trigger", "--help"}, {"events", "list", "-h"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, getenv, &stdout, &stderr)
		all := stdout.String() + stderr.String() + fmt.Sprint(err)
		if strings.Contains(all, key) || strings.Contains(all, password) {
			t.Errorf("%v printed a secret:\n%s", args, all)
		}
		if slices.Contains(args, "--help") && (exitCode(err) != 0 || !strings.Contains(stdout.String(), "Usage: feedwire")) {
			t.Errorf("%v: exit %d, stdout %q; want the usage on stdout, exit 0", args, exitCode(err), stdout.String())
		}
	}
}

// keys returns the member names of a JSON object in order.
func keys(t *testing.T, object []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(object))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return names
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, ",") == strings.Join(b, ",")
}

// TestSecondServeRefused: a second serve on the database of a running one stops at once
// with a message saying why, and the first one goes on serving. (The crash tests show
// the other half: a killed serve leaves nothing that stops the next one.)
func TestSecondServeRefused(t *testing.T) {
	first := startServer(t)
	var stderr strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--database", first.dsn, "--metrics-addr", "off"}, noEnv, io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), "another feedwire serve") {
		t.Fatalf("a second serve on the same database: got %v, want an error saying another feedwire serve runs on it", err)
	}
	t.Logf("the second serve: %v", err)
	callRaw(t, "", "GET", first.url+"/healthz", nil, 200)
}

// TestMigrateAndKeysOnPostgres: migrate and keys create take a Postgres database, twice
// without harm, and refuse one without FEEDWIRE_SECRET_KEY.
func TestMigrateAndKeysOnPostgres(t *testing.T) {
	dsn := testpg.Database(t)
	withKey := func(name string) string {
		if name == "FEEDWIRE_SECRET_KEY" {
			return testpg.SecretKey
		}
		return ""
	}
	for range 2 {
		var stderr strings.Builder
		if err := run(context.Background(), []string{"migrate", "--database", dsn}, withKey, io.Discard, &stderr); err != nil {
			t.Fatalf("migrate: %v\n%s", err, stderr.String())
		}
	}
	var stdout, stderr strings.Builder
	if err := run(context.Background(), []string{"keys", "create", "--workspace", "acme", "--database", dsn}, withKey, &stdout, &stderr); err != nil || !strings.HasPrefix(stdout.String(), "fw_") {
		t.Fatalf("keys create: %v, printed %q\n%s", err, stdout.String(), stderr.String())
	}
	err := run(context.Background(), []string{"migrate", "--database", dsn}, noEnv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "FEEDWIRE_SECRET_KEY") {
		t.Errorf("migrate without a secret key: got %v, want an error naming FEEDWIRE_SECRET_KEY", err)
	}
}
