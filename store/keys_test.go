package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
)

// authenticate returns the error Authenticate gives the key, nil when it is accepted.
func (f *fixture) authenticate(t *testing.T, secret string) error {
	t.Helper()
	ws, err := f.store.Authenticate(context.Background(), secret)
	if err == nil && ws.ID != f.workspace {
		t.Fatalf("the key acts for workspace %s, want %s", ws.ID, f.workspace)
	}
	return err
}

// wantUnauthorized fails unless err is ErrUnauthorized with a message that says why.
func wantUnauthorized(t *testing.T, what string, err error, why string) {
	t.Helper()
	if !errors.Is(err, feedwire.ErrUnauthorized) || !strings.Contains(err.Error(), why) {
		t.Errorf("%s: got %v, want ErrUnauthorized saying %q", what, err, why)
	}
}

// TestAPIKeyExpiry: a key made to last an hour works until the fixture's clock passes
// the hour, then is refused with a message saying it expired.
func TestAPIKeyExpiry(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	key, err := f.store.AddAPIKey(ctx, f.workspace, feedwire.APIKeyInput{Name: ptr("ci"), ExpiresIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if want := f.clock.Now().Add(time.Hour); key.ExpiresAt == nil || !key.ExpiresAt.Equal(want) {
		t.Fatalf("got expiresAt %v, want %v", key.ExpiresAt, want)
	}
	if err := f.authenticate(t, key.Secret); err != nil {
		t.Fatalf("a fresh key: %v", err)
	}
	f.clock.Advance(time.Hour - time.Millisecond)
	if err := f.authenticate(t, key.Secret); err != nil {
		t.Fatalf("a millisecond before its expiry: %v", err)
	}
	f.clock.Advance(time.Millisecond)
	wantUnauthorized(t, "at its expiry", f.authenticate(t, key.Secret), "expired")
}

// TestAPIKeyRevoke: a revoked key is refused on its very next use, a key may revoke
// itself, and revoking again changes nothing.
func TestAPIKeyRevoke(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	key, err := f.store.AddAPIKey(ctx, f.workspace, feedwire.APIKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.authenticate(t, key.Secret); err != nil {
		t.Fatal(err)
	}
	revoked, err := f.store.RevokeAPIKey(ctx, f.workspace, key.ID)
	if err != nil || revoked.RevokedAt == nil || !revoked.RevokedAt.Equal(f.clock.Now()) {
		t.Fatalf("revoke: got %+v, %v; want revokedAt now", revoked, err)
	}
	wantUnauthorized(t, "right after revoking", f.authenticate(t, key.Secret), "revoked")
	f.clock.Advance(time.Minute)
	again, err := f.store.RevokeAPIKey(ctx, f.workspace, key.ID)
	if err != nil || !again.RevokedAt.Equal(*revoked.RevokedAt) {
		t.Errorf("revoke again: got %v, %v; want the first revocation kept", again.RevokedAt, err)
	}
}

// TestAPIKeyRotate: rotating gives a new key that works and keeps the old one for the
// grace period only; without one, the old key stops at once. The new key keeps the old
// one's name and lifetime, and a rotated key cannot be rotated again.
func TestAPIKeyRotate(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	old, err := f.store.AddAPIKey(ctx, f.workspace, feedwire.APIKeyInput{Name: ptr("deploy"), ExpiresIn: 720 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(24 * time.Hour)
	newKey, before, err := f.store.RotateAPIKey(ctx, f.workspace, old.ID, time.Hour, feedwire.APIKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if newKey.Secret == "" || newKey.Secret == old.Secret || newKey.ID == old.ID {
		t.Fatalf("got new key %+v, want another key with its secret", newKey)
	}
	if deref(newKey.Name) != "deploy" || !newKey.ExpiresAt.Equal(f.clock.Now().Add(720*time.Hour)) {
		t.Errorf("new key: name %q, expiresAt %v; want deploy and 720h from now", deref(newKey.Name), newKey.ExpiresAt)
	}
	if want := f.clock.Now().Add(time.Hour); before.RevokedAt == nil || !before.RevokedAt.Equal(want) {
		t.Errorf("old key revokedAt %v, want %v", before.RevokedAt, want)
	}
	if err := f.authenticate(t, old.Secret); err != nil {
		t.Errorf("old key during the grace period: %v", err)
	}
	if err := f.authenticate(t, newKey.Secret); err != nil {
		t.Errorf("new key: %v", err)
	}
	f.clock.Advance(time.Hour)
	wantUnauthorized(t, "old key after the grace period", f.authenticate(t, old.Secret), "revoked")
	if err := f.authenticate(t, newKey.Secret); err != nil {
		t.Errorf("new key after the grace period: %v", err)
	}
	if _, _, err := f.store.RotateAPIKey(ctx, f.workspace, old.ID, 0, feedwire.APIKeyInput{}); !errors.Is(err, feedwire.ErrConflict) {
		t.Errorf("rotating a rotated key: got %v, want ErrConflict", err)
	}

	newest, _, err := f.store.RotateAPIKey(ctx, f.workspace, newKey.ID, 0, feedwire.APIKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	wantUnauthorized(t, "a key rotated without grace", f.authenticate(t, newKey.Secret), "revoked")
	if err := f.authenticate(t, newest.Secret); err != nil {
		t.Errorf("the newest key: %v", err)
	}
	for _, tc := range []struct {
		name  string
		grace time.Duration
	}{{"negative", -time.Second}, {"over 168h", 169 * time.Hour}} {
		if _, _, err := f.store.RotateAPIKey(ctx, f.workspace, newest.ID, tc.grace, feedwire.APIKeyInput{}); !errors.Is(err, feedwire.ErrInvalid) {
			t.Errorf("grace %s: got %v, want ErrInvalid", tc.name, err)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestAPIKeyList: the list holds every key of the workspace with its prefix, never its
// secret or another workspace's keys.
func TestAPIKeyList(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.clock.Advance(time.Millisecond) // ids sort by time: this key is the newest
	key, err := f.store.AddAPIKey(ctx, f.workspace, feedwire.APIKeyInput{Name: ptr("ci")})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.store.CreateAPIKey(ctx, "globex"); err != nil {
		t.Fatal(err)
	}
	page, err := f.store.APIKeys(ctx, f.workspace, feedwire.ListParams{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the workspace lists %d keys", len(page.Items))
	if len(page.Items) != 2 || page.Items[0].ID != key.ID {
		t.Fatalf("got %d keys, newest %q; want 2, newest %s", len(page.Items), page.Items[0].ID, key.ID)
	}
	got := page.Items[0]
	if got.Secret != "" || got.Prefix != key.Secret[:11] || !strings.HasPrefix(got.Prefix, "fw_") || deref(got.Name) != "ci" {
		t.Errorf("listed key %+v, want prefix %s, name ci and no secret", got, key.Secret[:11])
	}
}

// TestAPIKeyTenancy: a workspace cannot see, revoke or rotate another's keys.
func TestAPIKeyTenancy(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	_, other, err := f.store.CreateAPIKey(ctx, "globex")
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"get":    func() error { _, err := f.store.APIKey(ctx, f.workspace, other.ID); return err },
		"revoke": func() error { _, err := f.store.RevokeAPIKey(ctx, f.workspace, other.ID); return err },
		"rotate": func() error {
			_, _, err := f.store.RotateAPIKey(ctx, f.workspace, other.ID, 0, feedwire.APIKeyInput{})
			return err
		},
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, feedwire.ErrNotFound) {
			t.Errorf("%s another workspace's key: got %v, want ErrNotFound", name, err)
		}
	}
	if _, err := f.store.Authenticate(ctx, other.Secret); err != nil {
		t.Errorf("the other workspace's key stopped working: %v", err)
	}
}

// TestAPIKeyLastUsed: authenticating records the time, at most once a minute.
func TestAPIKeyLastUsed(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	key, err := f.store.AddAPIKey(ctx, f.workspace, feedwire.APIKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	lastUsed := func() *time.Time {
		k, err := f.store.APIKey(ctx, f.workspace, key.ID)
		if err != nil {
			t.Fatal(err)
		}
		return k.LastUsedAt
	}
	if got := lastUsed(); got != nil {
		t.Fatalf("an unused key has lastUsedAt %v", got)
	}
	first := f.clock.Now()
	for range 5 {
		if err := f.authenticate(t, key.Secret); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(10 * time.Second)
	}
	if got := lastUsed(); got == nil || !got.Equal(first) {
		t.Errorf("after 5 uses within 50s: lastUsedAt %v, want the first use, %v", got, first)
	}
	f.clock.Advance(10 * time.Second)
	if err := f.authenticate(t, key.Secret); err != nil {
		t.Fatal(err)
	}
	if got := lastUsed(); got == nil || !got.Equal(f.clock.Now()) {
		t.Errorf("a minute after: lastUsedAt %v, want %v", got, f.clock.Now())
	}
}

// TestAPIKeyInput: refused names and expiries.
func TestAPIKeyInput(t *testing.T) {
	f := setup(t)
	past := f.clock.Now().Add(-time.Second)
	tests := []struct {
		name  string
		in    feedwire.APIKeyInput
		field string
	}{
		{"expiresIn under a second", feedwire.APIKeyInput{ExpiresIn: time.Millisecond}, "expiresIn"},
		{"expiresIn over ten years", feedwire.APIKeyInput{ExpiresIn: feedwire.MaxAPIKeyLifetime + time.Hour}, "expiresIn"},
		{"expiresAt in the past", feedwire.APIKeyInput{ExpiresAt: &past}, "expiresAt"},
		{"both", feedwire.APIKeyInput{ExpiresIn: time.Hour, ExpiresAt: &past}, "expiresIn"},
		{"a long name", feedwire.APIKeyInput{Name: ptr(strings.Repeat("n", 101))}, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.store.AddAPIKey(context.Background(), f.workspace, tt.in)
			if got := problemFields(t, err); len(got) != 1 || got[0] != tt.field {
				t.Errorf("got problems on %v, want on %s", got, tt.field)
			}
		})
	}
}

// TestAPIKeyLimit: the API makes at most MaxAPIKeysPerWorkspace usable keys; a revoked
// one makes room, and the bootstrap path is never refused.
func TestAPIKeyLimit(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	var made []*feedwire.APIKey
	for {
		k, err := f.store.AddAPIKey(ctx, f.workspace, feedwire.APIKeyInput{})
		if errors.Is(err, feedwire.ErrConflict) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, k)
	}
	t.Logf("AddAPIKey made %d keys beside the fixture's before refusing", len(made))
	if got := len(made) + 1; got != feedwire.MaxAPIKeysPerWorkspace {
		t.Fatalf("got %d usable keys, want %d", got, feedwire.MaxAPIKeysPerWorkspace)
	}
	if _, err := f.store.RevokeAPIKey(ctx, f.workspace, made[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.AddAPIKey(ctx, f.workspace, feedwire.APIKeyInput{}); err != nil {
		t.Errorf("after revoking one: %v", err)
	}
	if _, _, err := f.store.CreateAPIKey(ctx, "acme"); err != nil {
		t.Errorf("bootstrap at the limit: %v", err)
	}
}
