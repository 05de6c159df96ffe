package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/store"
)

const (
	// A featurebase secret and a harvestr text secret, easy to grep for.
	knownSecret  = "whsec_" + "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA=="
	knownToken   = "the-harvestr-token-nobody-may-read"
	testKeyHex   = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	otherKeyB64  = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
	sealedPrefix = "fwsealed1:"
)

// openAt opens and migrates the store at path with opts, closed when the test ends.
func openAt(t *testing.T, path string, opts store.Options) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite:"+path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// storedSecrets reads the secret columns as they are on disk, through a connection of
// the driver alone.
func storedSecrets(t *testing.T, path, webhookID string) (secret string, previous *string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT secret, previous_secret FROM webhooks WHERE id = ?`, webhookID).Scan(&secret, &previous); err != nil {
		t.Fatal(err)
	}
	return secret, previous
}

// checkpoint moves the WAL into the database file and empties it.
func checkpoint(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
}

// grepFiles fails if any of the database's files holds one of the texts, plainly or
// in base64 or hex.
func grepFiles(t *testing.T, path string, texts ...string) {
	t.Helper()
	files := []string{path, path + "-wal", path + "-shm"}
	var searched int64
	for _, f := range files {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		searched += int64(len(b))
		for _, text := range texts {
			for _, form := range []string{text, base64.StdEncoding.EncodeToString([]byte(text)), hex.EncodeToString([]byte(text))} {
				if bytes.Contains(b, []byte(form)) {
					t.Errorf("%s holds %q", filepath.Base(f), form)
				}
			}
		}
	}
	t.Logf("searched %d bytes of database files for %d secrets", searched, len(texts))
}

func webhookInput(format feedwire.Format, topic feedwire.EventType, secret string) *feedwire.Webhook {
	w := feedwire.WebhookInput{Name: "x", URL: "https://example.com/hook", Format: format,
		Topics: []feedwire.EventType{topic}, Secret: &secret}.Webhook(nil)
	return &w
}

// TestSecretsSealedAtRest: a webhook's secret and, during a rotation's grace period,
// its previous one are stored sealed, the store reads them back as given, and neither
// is anywhere in the database's files, WAL included, before or after a checkpoint.
func TestSecretsSealedAtRest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feedwire.db")
	s := openAt(t, path, store.Options{})
	ctx := context.Background()
	ws, _, err := s.CreateAPIKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	fb := webhookInput(feedwire.FormatFeaturebase, "post.created", knownSecret)
	hv := webhookInput(feedwire.FormatHarvestr, "MESSAGE_CREATED", knownToken)
	for _, w := range []*feedwire.Webhook{fb, hv} {
		if err := s.CreateWebhook(ctx, ws.ID, w); err != nil {
			t.Fatal(err)
		}
	}
	rotated := "whsec_" + base64.StdEncoding.EncodeToString([]byte("the rotated secret, 32 bytes ok"))
	if _, err := s.RotateWebhookSecret(ctx, ws.ID, fb.ID, time.Hour, rotated); err != nil {
		t.Fatal(err)
	}
	grepFiles(t, path, knownSecret, knownToken, rotated)

	secret, previous := storedSecrets(t, path, fb.ID)
	if !strings.HasPrefix(secret, sealedPrefix) || previous == nil || !strings.HasPrefix(*previous, sealedPrefix) {
		t.Errorf("stored secret %q and previous %v, want both sealed", secret, previous)
	}
	got, err := s.Webhook(ctx, ws.ID, fb.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Secret != rotated || got.PreviousSecret == nil || *got.PreviousSecret != knownSecret {
		t.Errorf("read back secret %q and previous %v, want them as given", got.Secret, got.PreviousSecret)
	}
	if got, err := s.Webhook(ctx, ws.ID, hv.ID); err != nil || got.Secret != knownToken {
		t.Errorf("read back the harvestr token as %q (%v)", got.Secret, err)
	}
	checkpoint(t, path)
	grepFiles(t, path, knownSecret, knownToken, rotated)
}

// TestSecretKey: the key comes from Options.SecretKey, hex or base64, or from a key
// file made beside the database; a store opened with another key, or with none once
// secrets are sealed, fails at once and says why.
func TestSecretKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	withKey := filepath.Join(dir, "given.db")
	s := openAt(t, withKey, store.Options{SecretKey: testKeyHex})
	ws, _, err := s.CreateAPIKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateWebhook(ctx, ws.ID, webhookInput(feedwire.FormatFeaturebase, "post.created", knownSecret)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(withKey + ".key"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a store given its key wrote a key file (%v)", err)
	}
	raw, _ := hex.DecodeString(testKeyHex)
	sameInBase64 := base64.StdEncoding.EncodeToString(raw)

	fromFile := filepath.Join(dir, "file.db")
	openAt(t, fromFile, store.Options{}).Close()
	key, err := os.ReadFile(fromFile + ".key")
	if err != nil {
		t.Fatalf("no key file beside a store opened without a key: %v", err)
	}
	t.Logf("generated key file of %d bytes", len(key))

	tests := []struct {
		name string
		path string
		key  string
		want string // in the error; "" for none
	}{
		{"the same key in hex", withKey, testKeyHex, ""},
		{"the same key in base64", withKey, sameInBase64, ""},
		{"another key", withKey, otherKeyB64, "another key than FEEDWIRE_SECRET_KEY"},
		{"no key and no key file", withKey, "", "there is no key"},
		{"a key that is not 32 bytes", withKey, "c2hvcnQ=", "FEEDWIRE_SECRET_KEY"},
		{"the key file", fromFile, "", ""},
		{"another key than the key file's", fromFile, testKeyHex, "another key than FEEDWIRE_SECRET_KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := store.Open(ctx, "sqlite:"+tt.path, store.Options{SecretKey: tt.key})
			if err == nil {
				defer s.Close()
				err = s.Migrate(ctx)
			}
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}

	if err := os.WriteFile(fromFile+".key", []byte(otherKeyB64+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(ctx, "sqlite:"+fromFile, store.Options{}); err == nil || !strings.Contains(err.Error(), "another key than the key in "+fromFile+".key") {
		t.Errorf("a replaced key file: got %v, want an error naming the key file", err)
	}
}

// TestFileModes: the database, its -wal and -shm files and the key file are readable
// and writable by their owner only, and a database an older feedwire made 0644 is made
// so on open.
func TestFileModes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "feedwire.db")
	older := filepath.Join(dir, "older.db")
	if err := os.WriteFile(older, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, older} {
		s := openAt(t, p, store.Options{})
		// A write, so that the WAL and its index exist while the store is open.
		if _, _, err := s.CreateAPIKey(context.Background(), "acme"); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{p, p + "-wal", p + "-shm", p + ".key"} {
			info, err := os.Stat(f)
			if err != nil {
				t.Errorf("stat %s: %v", filepath.Base(f), err)
				continue
			}
			t.Logf("%s: %v", filepath.Base(f), info.Mode().Perm())
			if got := info.Mode().Perm(); got != 0o600 {
				t.Errorf("%s has mode %v, want -rw-------", filepath.Base(f), got)
			}
		}
	}
}

// TestWebhookLimit: a workspace has at most MaxWebhooksPerWorkspace webhooks; one more
// is refused with a message naming the limit, and nothing is written. Another
// workspace is not affected.
func TestWebhookLimit(t *testing.T) {
	tests := []struct {
		name string
		max  int // 0 for the default
		want int
	}{
		{"default", 0, feedwire.DefaultMaxWebhooksPerWorkspace},
		{"set", 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := openAt(t, filepath.Join(t.TempDir(), "feedwire.db"), store.Options{MaxWebhooksPerWorkspace: tt.max})
			ws, _, err := s.CreateAPIKey(ctx, "acme")
			if err != nil {
				t.Fatal(err)
			}
			created := 0
			for ; created < tt.want; created++ {
				if err := s.CreateWebhook(ctx, ws.ID, webhookInput(feedwire.FormatFeaturebase, "post.created", knownSecret)); err != nil {
					t.Fatalf("webhook %d: %v", created+1, err)
				}
			}
			err = s.CreateWebhook(ctx, ws.ID, webhookInput(feedwire.FormatFeaturebase, "post.created", knownSecret))
			if !errors.Is(err, feedwire.ErrConflict) || !strings.Contains(err.Error(), "has "+strconv.Itoa(tt.want)+" webhooks") {
				t.Errorf("webhook %d: got %v, want ErrConflict naming the limit %d", tt.want+1, err, tt.want)
			}
			page, err := s.Webhooks(ctx, ws.ID, feedwire.ListParams{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("created %d webhooks, then was refused; the workspace lists %d", created, len(page.Items))
			if len(page.Items) != min(tt.want, 100) {
				t.Errorf("the workspace has %d webhooks, want %d", len(page.Items), tt.want)
			}
			other, _, err := s.CreateAPIKey(ctx, "globex")
			if err != nil {
				t.Fatal(err)
			}
			if err := s.CreateWebhook(ctx, other.ID, webhookInput(feedwire.FormatFeaturebase, "post.created", knownSecret)); err != nil {
				t.Errorf("another workspace: %v", err)
			}
		})
	}
}

// oldDatabase makes, at path, a database as feedwire kept it before secrets were
// sealed (migrations 1 to 6), with one workspace and a harvestr webhook whose secret
// and previous secret are in plain text, between two webhooks with neighbourSecrets
// (so that the sealed rows share their page with others, as in any real database). It
// returns the workspace's and the webhook's ids.
func oldDatabase(t *testing.T, path, secret, previous string) (workspaceID, webhookID string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=foreign_keys(ON)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	files, err := filepath.Glob("migrations/sqlite/000[1-6]_*.sql")
	if err != nil || len(files) != 6 {
		t.Fatalf("found migrations %v (%v), want 6", files, err)
	}
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`); err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		script, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(script)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if _, err := db.Exec(`INSERT INTO schema_migrations VALUES (?, ?, 0)`, i+1, filepath.Base(f)); err != nil {
			t.Fatal(err)
		}
	}
	workspaceID = "5f0c6b3e1a2b3c4d5e6f7a8b"
	now := time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC).UnixMilli()
	if _, err := db.Exec(`INSERT INTO workspaces (id, name, created_at) VALUES (?, 'acme', ?)`, workspaceID, now); err != nil {
		t.Fatal(err)
	}
	for i, secret := range []string{neighbourSecrets[0], secret, neighbourSecrets[1]} {
		id := fmt.Sprintf("6b0594977319a1b2c3d4e5f%d", i)
		var prev *string
		if i == 1 {
			webhookID, prev = id, &previous
		}
		_, err := db.Exec(`INSERT INTO webhooks (id, workspace_id, name, url, format, status, secret, previous_secret,
			previous_secret_expires_at, timeout_ms, headers, created_at, updated_at)
			VALUES (?, ?, 'old', 'https://example.com/hook', 'harvestr', 'active', ?, ?, ?, 5000, '{}', ?, ?)`,
			id, workspaceID, secret, prev, now+time.Hour.Milliseconds(), now, now)
		if err == nil {
			_, err = db.Exec(`INSERT INTO webhook_topics (webhook_id, workspace_id, topic) VALUES (?, ?, 'MESSAGE_CREATED')`, id, workspaceID)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return workspaceID, webhookID
}

// neighbourSecrets are the plain-text secrets of oldDatabase's other webhooks.
var neighbourSecrets = []string{"the-first-neighbour's-token", "the-second-neighbour's-token"}

// TestPlainSecretsSealedOnOpen: the plain-text secrets of a database from before
// sealing are sealed when a store first opens and migrates it, read back as they were,
// and gone from its files; a plain-text secret that happens to look sealed is sealed
// like any other.
func TestPlainSecretsSealedOnOpen(t *testing.T) {
	tests := []struct {
		name, secret string
	}{
		{"a text", knownToken},
		{"a text that looks sealed", sealedPrefix + "bm90IHJlYWxseQ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "old.db")
			workspaceID, webhookID := oldDatabase(t, path, tt.secret, knownSecret)
			if stored, _ := storedSecrets(t, path, webhookID); stored != tt.secret {
				t.Fatalf("the old database holds %q, want the plain text", stored)
			}
			s := openAt(t, path, store.Options{})
			stored, previous := storedSecrets(t, path, webhookID)
			if stored == tt.secret || !strings.HasPrefix(stored, sealedPrefix) || previous == nil || !strings.HasPrefix(*previous, sealedPrefix) {
				t.Errorf("after opening: stored %q and %v, want both sealed", stored, previous)
			}
			w, err := s.Webhook(ctx, workspaceID, webhookID)
			if err != nil {
				t.Fatal(err)
			}
			if w.Secret != tt.secret || w.PreviousSecret == nil || *w.PreviousSecret != knownSecret {
				t.Errorf("read back %q and %v, want the plain texts", w.Secret, w.PreviousSecret)
			}
			grepFiles(t, path, tt.secret, knownSecret, neighbourSecrets[0], neighbourSecrets[1])
			// Opening again seals nothing twice.
			s.Close()
			s = openAt(t, path, store.Options{})
			if again, _ := storedSecrets(t, path, webhookID); again != stored {
				t.Errorf("a second open changed the stored secret")
			}
			if w, err := s.Webhook(ctx, workspaceID, webhookID); err != nil || w.Secret != tt.secret {
				t.Errorf("after a second open: %q, %v", w.Secret, err)
			}
		})
	}
}
