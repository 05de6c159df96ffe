package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Secrets easy to grep for: a harvestr text, a featurebase secret and the one it is
// rotated to.
const (
	textSecret    = "the-harvestr-token-nobody-may-read"
	whsecSecret   = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA=="
	rotatedSecret = "whsec_cm90YXRlZC1yb3RhdGVkLXJvdGF0ZWQtcm90YXRlZA=="
)

// arrivals is a receiver that answers 200 and keeps what it was sent, challenges aside.
type arrivals struct {
	mu   sync.Mutex
	got  []*http.Request
	body [][]byte
}

func (a *arrivals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if bytes.HasPrefix(body, []byte(`{"challenge":`)) {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.got, a.body = append(a.got, r), append(a.body, body)
}

// wait returns the first request that arrived on path, waiting up to 10s for it.
func (a *arrivals) wait(t *testing.T, path string) (http.Header, []byte) {
	t.Helper()
	var header http.Header
	var body []byte
	waitFor(t, "a delivery to "+path, func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		for i, r := range a.got {
			if r.URL.Path == path {
				header, body = r.Header, a.body[i]
				return true
			}
		}
		return false
	})
	return header, body
}

func hexHMAC(key, msg string) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(msg))
	return hex.EncodeToString(mac.Sum(nil))
}

// grepSecrets fails when text holds one of the secrets.
func grepSecrets(t *testing.T, what string, text []byte) {
	t.Helper()
	for _, s := range []string{textSecret, whsecSecret, rotatedSecret} {
		if bytes.Contains(text, []byte(s)) {
			t.Errorf("%s holds the secret %.12s…", what, s)
		}
	}
}

// TestSecretsNeitherShownNorLogged creates, rotates, reveals and delivers with known
// secrets on a server logging at debug level. The secrets are shown by create, rotate
// and reveal, and deliveries are signed with them; they are in no list or get answer,
// no event or recorded attempt, no line of the log, and no byte of the database files,
// which are readable by their owner only.
func TestSecretsNeitherShownNorLogged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feedwire.db")
	s, log := startServerWith(t, "sqlite:"+path, noEnv, "--log-level", "debug", "--allow-private-networks")
	key := s.createKey(t, "acme")
	rcv := &arrivals{}
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)

	hv := call(t, key, "POST", s.url+"/v1/webhooks", map[string]any{"name": "crm", "url": srv.URL + "/harvestr",
		"format": "harvestr", "topics": []string{"MESSAGE_CREATED"}, "secret": textSecret}, 201)
	fb := call(t, key, "POST", s.url+"/v1/webhooks", map[string]any{"name": "board", "url": srv.URL + "/featurebase",
		"format": "featurebase", "topics": []string{"post.created"}, "secret": whsecSecret}, 201)
	if hv["secret"] != textSecret || fb["secret"] != whsecSecret {
		t.Fatalf("create answered secrets %v and %v, want them as given", hv["secret"], fb["secret"])
	}
	hvID, fbID := hv["id"].(string), fb["id"].(string)
	rotated := call(t, key, "POST", s.url+"/v1/webhooks/"+fbID+"/secret", map[string]any{"secret": rotatedSecret, "gracePeriod": "1h"}, 200)
	if rotated["secret"] != rotatedSecret {
		t.Fatalf("rotation answered secret %v, want it", rotated["secret"])
	}
	for id, want := range map[string]string{hvID: textSecret, fbID: rotatedSecret} {
		out, _, err := s.cli(t, key, "webhooks", "secret", id)
		if err != nil || strings.TrimSpace(out) != want {
			t.Errorf("webhooks secret %s: %q (%v), want the secret", id, out, err)
		}
		out, _, err = s.cli(t, key, "webhooks", "show", id)
		if err != nil || !strings.Contains(out, "webhooks secret "+id) {
			t.Errorf("webhooks show %s: %v\n%s", id, err, out)
		}
		grepSecrets(t, "webhooks show", []byte(out))
	}

	call(t, key, "POST", s.url+"/v1/webhooks/"+fbID+"/test", nil, 202)
	user := call(t, key, "POST", s.url+"/v1/users", map[string]any{"name": "Ada", "type": "customer"}, 201)
	call(t, key, "POST", s.url+"/v1/messages", map[string]any{"title": "Export", "content": "Please", "channel": "MAIL",
		"requesterId": user["id"], "submitterId": user["id"]}, 201)
	header, body := rcv.wait(t, "/harvestr")
	if got, want := header.Get("X-Harvestr-Webhook-Signature"), hexHMAC(textSecret, string(body)); got != want {
		t.Errorf("harvestr signature %s, want %s", got, want)
	}
	header, body = rcv.wait(t, "/featurebase")
	if got, want := header.Get("X-Webhook-Signature"), hexHMAC(whsecSecret, header.Get("X-Webhook-Timestamp")+"."+string(body)); got != want {
		t.Errorf("featurebase signature %s, want %s, from the previous secret until the grace period ends", got, want)
	}
	signatures := strings.Fields(header.Get("Webhook-Signature"))
	for _, secret := range []string{whsecSecret, rotatedSecret} {
		if wh, err := standardwebhooks.NewWebhook(secret); err != nil || wh.Verify(body, header) != nil || len(signatures) != 2 {
			t.Errorf("webhook-signature %v: want two, from the previous secret and the rotated one", signatures)
		}
	}
	eventually(t, func() bool {
		list := call(t, key, "GET", s.url+"/v1/deliveries?status=succeeded", nil, 200)
		return len(list["data"].([]any)) == 2
	})

	answers := []string{"/v1/webhooks", "/v1/webhooks/" + hvID, "/v1/webhooks/" + fbID, "/v1/events", "/v1/deliveries"}
	for _, d := range call(t, key, "GET", s.url+"/v1/deliveries", nil, 200)["data"].([]any) {
		answers = append(answers, "/v1/deliveries/"+d.(map[string]any)["id"].(string))
	}
	for _, p := range answers {
		grepSecrets(t, "GET "+p, callRaw(t, key, "GET", s.url+p, nil, 200))
	}
	patched := callRaw(t, key, "PATCH", s.url+"/v1/webhooks/"+fbID, map[string]any{"name": "renamed"}, 200)
	grepSecrets(t, "the PATCH answer", patched)

	logged := log.logText()
	t.Logf("searched %d lines of debug log, %d API answers", strings.Count(logged, "\n"), len(answers)+1)
	grepSecrets(t, "the log", []byte(logged))
	grepDatabase(t, path)
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	grepDatabase(t, path)
	for _, f := range []string{path, path + "-wal", path + "-shm", path + ".key"} {
		info, err := os.Stat(f)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		} else if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want -rw-------", filepath.Base(f), info.Mode().Perm())
		}
	}
}

// grepDatabase fails when a file of the database holds a secret.
func grepDatabase(t *testing.T, path string) {
	t.Helper()
	var size int
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		size += len(b)
		grepSecrets(t, filepath.Base(f), b)
	}
	t.Logf("searched %d bytes of database files", size)
}

// TestOldDatabaseStillDelivers: a database from before secrets were sealed, with a
// webhook whose secret is in plain text, has it sealed when serve starts on it, and the
// webhook's deliveries are still signed with it.
func TestOldDatabaseStillDelivers(t *testing.T) {
	rcv := &arrivals{}
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "old.db")
	oldDatabase(t, path, srv.URL+"/old", textSecret)
	if b, _ := os.ReadFile(path); !bytes.Contains(b, []byte(textSecret)) {
		t.Fatal("the old database does not hold the secret in plain text")
	}
	s, _ := startServerWith(t, "sqlite:"+path, noEnv, "--allow-private-networks")
	grepDatabase(t, path)
	key := s.createKey(t, "acme")
	user := call(t, key, "POST", s.url+"/v1/users", map[string]any{"name": "Ada", "type": "customer"}, 201)
	call(t, key, "POST", s.url+"/v1/messages", map[string]any{"title": "Export", "content": "Please", "channel": "MAIL",
		"requesterId": user["id"], "submitterId": user["id"]}, 201)
	header, body := rcv.wait(t, "/old")
	if got, want := header.Get("X-Harvestr-Webhook-Signature"), hexHMAC(textSecret, string(body)); got != want {
		t.Errorf("signature %s, want %s from the old plain-text secret", got, want)
	}
}

// oldDatabase makes, at path, a database as feedwire kept it before secrets were sealed
// (migrations 1 to 6): workspace acme with a harvestr webhook to url whose secret is in
// plain text.
func oldDatabase(t *testing.T, path, url, secret string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	files, err := filepath.Glob("../../store/migrations/sqlite/000[1-6]_*.sql")
	if err != nil || len(files) != 6 {
		t.Fatalf("found migrations %v (%v), want 6", files, err)
	}
	statements := []string{`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`}
	for _, f := range files {
		script, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		statements = append(statements, string(script))
	}
	for _, stmt := range statements {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UnixMilli()
	for _, stmt := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO schema_migrations SELECT value, 'old', 0 FROM json_each('[1,2,3,4,5,6]')`, nil},
		{`INSERT INTO workspaces (id, name, created_at) VALUES ('5f0c6b3e1a2b3c4d5e6f7a8b', 'acme', ?)`, []any{now}},
		{`INSERT INTO webhooks (id, workspace_id, name, url, format, status, secret, timeout_ms, headers, created_at, updated_at)
			VALUES ('6b0594977319a1b2c3d4e5f6', '5f0c6b3e1a2b3c4d5e6f7a8b', 'old', ?, 'harvestr', 'active', ?, 5000, '{}', ?, ?)`,
			[]any{url, secret, now, now}},
		{`INSERT INTO webhook_topics (webhook_id, workspace_id, topic)
			VALUES ('6b0594977319a1b2c3d4e5f6', '5f0c6b3e1a2b3c4d5e6f7a8b', 'MESSAGE_CREATED')`, nil},
	} {
		if _, err := db.Exec(stmt.sql, stmt.args...); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSecretKeySetting: serve seals with FEEDWIRE_SECRET_KEY and writes no key file;
// the other commands that open the database read it too, and refuse another key, or
// none, saying so.
func TestSecretKeySetting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feedwire.db")
	withKey := func(key string) func(string) string {
		return func(name string) string {
			if name == "FEEDWIRE_SECRET_KEY" {
				return key
			}
			return ""
		}
	}
	const key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	s, _ := startServerWith(t, "sqlite:"+path, withKey(key))
	if _, err := os.Stat(path + ".key"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("serve with FEEDWIRE_SECRET_KEY wrote a key file (%v)", err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"keys", "create", "--database", s.dsn}, withKey(key), &out, io.Discard); err != nil {
		t.Errorf("keys create with the same key: %v", err)
	}
	tests := []struct {
		name, key, want string
	}{
		{"another key", "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=", "another key than FEEDWIRE_SECRET_KEY"},
		{"no key", "", "FEEDWIRE_SECRET_KEY"},
		{"not a key", "hunter2", "FEEDWIRE_SECRET_KEY"},
	}
	for _, tt := range tests {
		err := run(context.Background(), []string{"migrate", "--database", s.dsn}, withKey(tt.key), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), key) {
			t.Errorf("migrate with %s: got %v, want an error saying %q", tt.name, err, tt.want)
		}
	}
}

// TestWebhookLimitSetting: FEEDWIRE_MAX_WEBHOOKS bounds the webhooks of a workspace;
// one more is refused with 409, naming the limit, and is not stored.
func TestWebhookLimitSetting(t *testing.T) {
	env := func(name string) string {
		if name == "FEEDWIRE_MAX_WEBHOOKS" {
			return "2"
		}
		return ""
	}
	s, _ := startServerWith(t, "sqlite:"+filepath.Join(t.TempDir(), "feedwire.db"), env)
	key := s.createKey(t, "acme")
	hook := map[string]any{"name": "x", "url": "https://example.com/hook", "format": "featurebase", "topics": []string{"post.created"}}
	for range 2 {
		call(t, key, "POST", s.url+"/v1/webhooks", hook, 201)
	}
	problem := call(t, key, "POST", s.url+"/v1/webhooks", hook, 409)
	if detail, _ := problem["detail"].(string); !strings.Contains(detail, "2 webhooks") {
		t.Errorf("got %v, want a problem naming the limit of 2", problem)
	}
	list := call(t, key, "GET", s.url+"/v1/webhooks", nil, 200)
	t.Logf("the workspace has %d webhooks after 3 creations", len(list["data"].([]any)))
	if n := len(list["data"].([]any)); n != 2 {
		t.Errorf("got %d webhooks, want 2", n)
	}
	bad := func(name string) string {
		if name == "FEEDWIRE_MAX_WEBHOOKS" {
			return "0"
		}
		return ""
	}
	if err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0"}, bad, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "FEEDWIRE_MAX_WEBHOOKS") {
		t.Errorf("FEEDWIRE_MAX_WEBHOOKS=0: got %v, want an error naming it", err)
	}
}
