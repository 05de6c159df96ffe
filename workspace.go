package feedwire

import (
	"context"
	"time"
)

// Workspace owns every other resource. Its id is what the featurebase format calls the
// organizationId.
type Workspace struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// Limits of API keys.
const (
	// MaxAPIKeysPerWorkspace is the most usable keys (neither revoked nor expired) a
	// workspace may create through the API. feedwire keys create, run by whoever holds
	// the database, is not limited: it is how a locked-out workspace gets back in.
	MaxAPIKeysPerWorkspace = 100
	// MaxAPIKeyLifetime is the furthest ahead a key's expiry may be.
	MaxAPIKeyLifetime = 10 * 365 * 24 * time.Hour
	// MaxAPIKeyGracePeriod is the longest a rotated key keeps working.
	MaxAPIKeyGracePeriod = 7 * 24 * time.Hour
	// APIKeyPrefixLen is how many characters of a key are kept to recognise it by:
	// "fw_" and 8 hexadecimal digits, 32 of the key's 192 random bits.
	APIKeyPrefixLen = 11
)

// APIKey is a secret that acts for one workspace. Only a hash of Secret is stored, so the
// secret is known only when the key is created.
type APIKey struct {
	ID          string
	WorkspaceID string
	Name        *string
	// Prefix is the first APIKeyPrefixLen characters of the key, enough to recognise it
	// and far too few to use it. Keys created before feedwire kept prefixes show "fw_".
	Prefix    string
	Secret    string // set only on a key just created or rotated
	CreatedAt time.Time
	// LastUsedAt is when the key last authenticated a request, to the minute: it is
	// written at most once a minute per key.
	LastUsedAt *time.Time
	ExpiresAt  *time.Time
	// RevokedAt is when the key stopped working, or will stop: a key rotated with a
	// grace period is revoked at the end of it.
	RevokedAt *time.Time
}

// APIKeyInput is what creating or rotating a key takes. At most one of ExpiresIn and
// ExpiresAt is set; with neither the key never expires (a rotated key: see
// WorkspaceService.RotateAPIKey).
type APIKeyInput struct {
	Name      *string
	ExpiresIn time.Duration
	ExpiresAt *time.Time
}

// Expiry returns when a key made at now with this input expires, nil for never, after
// checking the input.
func (in APIKeyInput) Expiry(now time.Time) (*time.Time, error) {
	var p Problems
	checkOptionalText(&p, "name", in.Name, 100)
	var expires *time.Time
	switch {
	case in.ExpiresIn != 0 && in.ExpiresAt != nil:
		p.Add("expiresIn", "give expiresIn or expiresAt, not both")
	case in.ExpiresIn != 0:
		if in.ExpiresIn < time.Second || in.ExpiresIn > MaxAPIKeyLifetime {
			p.Add("expiresIn", "must be from 1s to 87600h")
		}
		t := now.Add(in.ExpiresIn).Truncate(TimePrecision)
		expires = &t
	case in.ExpiresAt != nil:
		if !in.ExpiresAt.After(now) || in.ExpiresAt.Sub(now) > MaxAPIKeyLifetime {
			p.Add("expiresAt", "must be in the future, at most 87600h from now")
		}
		t := in.ExpiresAt.UTC().Truncate(TimePrecision)
		expires = &t
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return expires, nil
}

// WorkspaceService creates workspaces and their keys and resolves keys to workspaces.
type WorkspaceService interface {
	// CreateAPIKey creates a key for the workspace with that name, creating the
	// workspace first if there is none.
	CreateAPIKey(ctx context.Context, workspaceName string) (*Workspace, *APIKey, error)
	// Authenticate returns the workspace a key acts for, or an ErrUnauthorized error
	// whose message says when the key was revoked or expired.
	Authenticate(ctx context.Context, secret string) (*Workspace, error)
	// APIKeys returns one page of the workspace's keys, revoked and expired ones
	// included, newest first.
	APIKeys(ctx context.Context, workspaceID string, p ListParams) (*Page[APIKey], error)
	// APIKey returns one key of the workspace.
	APIKey(ctx context.Context, workspaceID, id string) (*APIKey, error)
	// AddAPIKey creates a key in the workspace; it holds the secret.
	AddAPIKey(ctx context.Context, workspaceID string, in APIKeyInput) (*APIKey, error)
	// RevokeAPIKey makes the key stop working at once. A key may revoke itself, and a
	// workspace its last key. Revoking a revoked key changes nothing.
	RevokeAPIKey(ctx context.Context, workspaceID, id string) (*APIKey, error)
	// RotateAPIKey creates a key that replaces the key id and revokes that one after
	// grace (at once when 0). The new key keeps the old one's name and, unless in says
	// otherwise, its lifetime. It returns the new key, with its secret, and the old one.
	RotateAPIKey(ctx context.Context, workspaceID, id string, grace time.Duration, in APIKeyInput) (newKey, old *APIKey, err error)
}

// IdempotencyKeyLifetime is how long the answer to a POST with an Idempotency-Key is
// kept: the same request sent again within it gets that answer again.
const IdempotencyKeyLifetime = 24 * time.Hour

// IdempotentAnswer is what a POST with an Idempotency-Key answered, or, while Status is
// 0, that it is still running. Fingerprint names the request: its method, path and the
// SHA-256 of its body.
type IdempotentAnswer struct {
	Fingerprint string
	Status      int
	ContentType string
	Body        []byte
}

// IdempotencyService remembers the answers of POSTs that carry an Idempotency-Key.
type IdempotencyService interface {
	// BeginIdempotent claims key for a request: it returns nil when the key is new (or
	// its answer older than IdempotencyKeyLifetime), so the request should run, and
	// the answer remembered otherwise, which may be one still running (Status 0).
	BeginIdempotent(ctx context.Context, workspaceID, key, fingerprint string) (*IdempotentAnswer, error)
	// FinishIdempotent remembers the answer of the request that claimed key.
	FinishIdempotent(ctx context.Context, workspaceID, key string, answer IdempotentAnswer) error
	// ForgetIdempotent gives key up, when its request failed in a way worth trying again.
	ForgetIdempotent(ctx context.Context, workspaceID, key string) error
}
