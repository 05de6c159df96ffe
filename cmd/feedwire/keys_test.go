package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedwire/feedwire"
)

// TestKeysCommands walks the key commands: keys create on the database with a name and
// an expiry, then keys list, rotate and revoke through the API. list shows prefixes and
// never a key; rotate prints only the key it made; the rotated and the revoked keys are
// refused on their next request.
func TestKeysCommands(t *testing.T) {
	s := startServer(t)
	admin := s.createKey(t, "acme")
	var stdout, stderr strings.Builder
	err := run(context.Background(), []string{"keys", "create", "--workspace", "acme", "--name", "ci", "--expires-in", "720h",
		"--database", s.dsn}, noEnv, &stdout, &stderr)
	if err != nil {
		t.Fatalf("keys create --name ci --expires-in 720h: %v\n%s", err, stderr.String())
	}
	ci := strings.TrimSpace(stdout.String())
	if !strings.HasPrefix(ci, "fw_") || !strings.Contains(stderr.String(), "expires at") {
		t.Fatalf("keys create printed %q and %q", stdout.String(), stderr.String())
	}
	keys := []string{admin, ci}

	list := func(format string) string {
		t.Helper()
		out, _, err := s.cli(t, admin, "keys", "list", "--output", format)
		if err != nil {
			t.Fatalf("keys list: %v", err)
		}
		for _, k := range keys {
			if strings.Contains(out, k) || strings.Contains(out, k[11:]) {
				t.Errorf("keys list --output %s printed the key %s…: %s", format, k[:11], out)
			}
		}
		return out
	}
	table := list("table")
	if !strings.Contains(table, ci[:11]+"…") || !strings.Contains(table, "ci") || !strings.Contains(table, "active") {
		t.Errorf("keys list lacks the ci key's prefix, name or status:\n%s", table)
	}
	var listed []struct{ ID, Prefix string }
	if err := json.Unmarshal([]byte(list("json")), &listed); err != nil || len(listed) != 2 {
		t.Fatalf("keys list --output json: %v, %d keys", err, len(listed))
	}
	t.Logf("keys list shows %d keys", len(listed))
	ciID := listedID(t, s, admin, ci)

	out, errOut, err := s.cli(t, admin, "keys", "rotate", ciID, "--grace-period", "0s")
	if err != nil {
		t.Fatalf("keys rotate: %v", err)
	}
	rotated := strings.TrimSpace(out)
	if !strings.HasPrefix(rotated, "fw_") || rotated == ci || strings.Contains(out+errOut, ci) {
		t.Fatalf("keys rotate printed %q and %q, want the new key only", out, errOut)
	}
	keys = append(keys, rotated)
	call(t, ci, "GET", s.url+"/v1/users", nil, 401)
	call(t, rotated, "GET", s.url+"/v1/users", nil, 200)
	list("table")

	out, _, err = s.cli(t, rotated, "keys", "revoke", listedID(t, s, admin, rotated))
	if err != nil || out != "" {
		t.Fatalf("keys revoke: %v, printed %q", err, out)
	}
	call(t, rotated, "GET", s.url+"/v1/users", nil, 401)
	call(t, admin, "GET", s.url+"/v1/users", nil, 200)
}

// listedID returns the id of key, found by its prefix in the list.
func listedID(t *testing.T, s *testServer, caller, key string) string {
	t.Helper()
	list := call(t, caller, "GET", s.url+"/v1/api-keys", nil, 200)
	for _, k := range list["data"].([]any) {
		if k := k.(map[string]any); k["prefix"] == key[:11] {
			return k["id"].(string)
		}
	}
	t.Fatalf("no key with prefix %s", key[:11])
	return ""
}

// TestKeysTenancy: a key of one workspace cannot list, see, revoke or rotate another
// workspace's keys: they are not found.
func TestKeysTenancy(t *testing.T) {
	s := startServer(t)
	acme, globex := s.createKey(t, "acme"), s.createKey(t, "globex")
	acmeID := listedID(t, s, acme, acme)
	if list := call(t, globex, "GET", s.url+"/v1/api-keys", nil, 200); len(list["data"].([]any)) != 1 {
		t.Errorf("globex lists %v, want its own key only", list["data"])
	}
	call(t, globex, "GET", s.url+"/v1/api-keys/"+acmeID, nil, 404)
	call(t, globex, "DELETE", s.url+"/v1/api-keys/"+acmeID, nil, 404)
	call(t, globex, "POST", s.url+"/v1/api-keys/"+acmeID+"/rotate", map[string]any{}, 404)
	for _, args := range [][]string{{"keys", "revoke", acmeID}, {"keys", "rotate", acmeID}} {
		if _, _, err := s.cli(t, globex, args...); !errors.Is(err, feedwire.ErrNotFound) {
			t.Errorf("%s with another workspace's key: got %v, want ErrNotFound", strings.Join(args, " "), err)
		}
	}
	call(t, acme, "GET", s.url+"/v1/users", nil, 200)
}

// TestKeysCreateNeedsADatabase: keys create run where there is no database (another
// directory than the server's) refuses, and creates nothing, unless told to start one.
func TestKeysCreateNeedsADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "elsewhere.db")
	err := run(context.Background(), []string{"keys", "create", "--database", "sqlite:" + path}, noEnv, io.Discard, io.Discard)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "no database at") {
		t.Errorf("keys create without a database: %v (exit %d), want a usage error", err, exitCode(err))
	}
	if _, statErr := os.Stat(path); !errors.Is(statErr, os.ErrNotExist) {
		t.Errorf("keys create without a database left a file at %s (%v)", path, statErr)
	}
	var stdout strings.Builder
	err = run(context.Background(), []string{"keys", "create", "--create-database", "--database", "sqlite:" + path}, noEnv, &stdout, io.Discard)
	if err != nil || !strings.HasPrefix(stdout.String(), "fw_") {
		t.Errorf("keys create --create-database: %v, printed %q", err, stdout.String())
	}
}
