package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/feedwire/feedwire"
)

// apiKeyPrefix starts every API key, so a leaked key is easy to recognise and to scan
// for.
const apiKeyPrefix = "fw_"

// lastUsedPrecision is how stale a key's last_used_at may be: authenticating writes it
// at most this often per key, so that reads do not become writes.
const lastUsedPrecision = time.Minute

var apiKeys = table[feedwire.APIKey]{
	name:    "api_keys",
	what:    "API key",
	columns: `id, workspace_id, name, prefix, created_at, last_used_at, expires_at, revoked_at`,
	scan:    scanAPIKey,
	id:      func(k *feedwire.APIKey) string { return k.ID },
}

func scanAPIKey(row scanner) (*feedwire.APIKey, error) {
	var k feedwire.APIKey
	err := row.Scan(&k.ID, &k.WorkspaceID, &k.Name, &k.Prefix, timeColumn{&k.CreatedAt},
		nullTimeColumn{&k.LastUsedAt}, nullTimeColumn{&k.ExpiresAt}, nullTimeColumn{&k.RevokedAt})
	if err != nil {
		return nil, err
	}
	return &k, nil
}

// CreateAPIKey creates a key for the workspace with that name, creating the workspace
// first if there is none. The returned key holds the secret; only its hash is stored.
func (s *Store) CreateAPIKey(ctx context.Context, workspaceName string) (*feedwire.Workspace, *feedwire.APIKey, error) {
	return s.BootstrapAPIKey(ctx, workspaceName, feedwire.APIKeyInput{})
}

// BootstrapAPIKey is CreateAPIKey with a name and an expiry: what feedwire keys create
// does on the database, with no key to call the API with. It is not limited by
// feedwire.MaxAPIKeysPerWorkspace, so a workspace can always be entered again.
func (s *Store) BootstrapAPIKey(ctx context.Context, workspaceName string, in feedwire.APIKeyInput) (*feedwire.Workspace, *feedwire.APIKey, error) {
	workspaceName = strings.TrimSpace(workspaceName)
	if workspaceName == "" {
		return nil, nil, feedwire.Invalid("workspace", "is required")
	}
	now := s.clock()
	key, err := newAPIKey(in, now)
	if err != nil {
		return nil, nil, err
	}
	ws := &feedwire.Workspace{Name: workspaceName}
	err = s.inTx(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `SELECT id, created_at FROM workspaces WHERE name = ?`, workspaceName).
			Scan(&ws.ID, timeColumn{&ws.CreatedAt})
		if errors.Is(err, sql.ErrNoRows) {
			ws.ID, ws.CreatedAt = newObjectID(now), now
			_, err = tx.ExecContext(ctx, `INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)`,
				ws.ID, ws.Name, millis(ws.CreatedAt))
			if err == nil {
				err = insertDefaultStatuses(ctx, tx, ws.ID, now)
			}
		}
		if err != nil {
			return fmt.Errorf("find or create workspace: %w", err)
		}
		key.WorkspaceID = ws.ID
		return insertAPIKey(ctx, tx, key)
	})
	if err != nil {
		return nil, nil, err
	}
	return ws, key, nil
}

// newAPIKey returns a key made at now, with its secret, not yet stored.
func newAPIKey(in feedwire.APIKeyInput, now time.Time) (*feedwire.APIKey, error) {
	expires, err := in.Expiry(now)
	if err != nil {
		return nil, err
	}
	random := make([]byte, 24)
	rand.Read(random) // never returns an error
	secret := apiKeyPrefix + hex.EncodeToString(random)
	return &feedwire.APIKey{ID: newID(now), Name: in.Name, Prefix: secret[:feedwire.APIKeyPrefixLen], Secret: secret,
		CreatedAt: now, ExpiresAt: expires}, nil
}

func insertAPIKey(ctx context.Context, tx *txn, k *feedwire.APIKey) error {
	hash := hashKey(k.Secret)
	_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, workspace_id, secret_hash, name, prefix, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.WorkspaceID, hash[:], k.Name, k.Prefix, millis(k.CreatedAt), nullMillis(k.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert api key: %w", err)
	}
	return nil
}

// AddAPIKey creates a key in the workspace, unless it has feedwire.MaxAPIKeysPerWorkspace
// usable keys already. The returned key holds the secret.
func (s *Store) AddAPIKey(ctx context.Context, workspaceID string, in feedwire.APIKeyInput) (*feedwire.APIKey, error) {
	now := s.clock()
	key, err := newAPIKey(in, now)
	if err != nil {
		return nil, err
	}
	key.WorkspaceID = workspaceID
	err = s.inTx(ctx, func(tx *txn) error {
		var usable int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM api_keys WHERE workspace_id = ?
			AND (revoked_at IS NULL OR revoked_at > ?) AND (expires_at IS NULL OR expires_at > ?)`,
			workspaceID, millis(now), millis(now)).Scan(&usable)
		if err != nil {
			return fmt.Errorf("count api keys: %w", err)
		}
		if usable >= feedwire.MaxAPIKeysPerWorkspace {
			return feedwire.Conflict("this workspace has %d usable API keys, the most it may have; revoke one first", usable)
		}
		return insertAPIKey(ctx, tx, key)
	})
	if err != nil {
		return nil, err
	}
	return key, nil
}

// APIKeys returns one page of the workspace's keys, newest first.
func (s *Store) APIKeys(ctx context.Context, workspaceID string, p feedwire.ListParams) (*feedwire.Page[feedwire.APIKey], error) {
	return apiKeys.list(ctx, s.read, workspaceID, p, "")
}

// APIKey returns one key of the workspace.
func (s *Store) APIKey(ctx context.Context, workspaceID, id string) (*feedwire.APIKey, error) {
	return apiKeys.get(ctx, s.read, workspaceID, id)
}

// RevokeAPIKey makes the key stop working now: at once on this store, within
// keyCacheFor on other nodes. A key whose revocation is due later, at the end of a
// rotation's grace period, is revoked now too; a revoked one stays as it is.
func (s *Store) RevokeAPIKey(ctx context.Context, workspaceID, id string) (*feedwire.APIKey, error) {
	var k *feedwire.APIKey
	err := s.inTx(ctx, func(tx *txn) error {
		var err error
		if k, err = apiKeys.get(ctx, tx, workspaceID, id); err != nil {
			return err
		}
		return revoke(ctx, tx, k, s.clock())
	})
	s.keys.forget()
	if err != nil {
		return nil, err
	}
	return k, nil
}

// revoke revokes k at when, unless it is revoked by then already.
func revoke(ctx context.Context, tx *txn, k *feedwire.APIKey, when time.Time) error {
	if k.RevokedAt != nil && !k.RevokedAt.After(when) {
		return nil
	}
	k.RevokedAt = &when
	if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ?`, millis(when), k.ID); err != nil {
		return fmt.Errorf("revoke api key: %w", err)
	}
	return nil
}

// RotateAPIKey creates a key that replaces the key id, and revokes that one after grace
// (at once when 0). The new key has the old one's name and, unless in gives an expiry,
// its lifetime: a key made to last 30 days is replaced by one that lasts 30 days.
func (s *Store) RotateAPIKey(ctx context.Context, workspaceID, id string, grace time.Duration, in feedwire.APIKeyInput) (newKey, old *feedwire.APIKey, err error) {
	if grace < 0 || grace > feedwire.MaxAPIKeyGracePeriod {
		return nil, nil, feedwire.Invalid("gracePeriod", "must be from 0s to 168h")
	}
	now := s.clock()
	err = s.inTx(ctx, func(tx *txn) error {
		var err error
		if old, err = apiKeys.get(ctx, tx, workspaceID, id); err != nil {
			return err
		}
		if old.RevokedAt != nil {
			return feedwire.Conflict("API key %s is revoked, or rotated already; create a new key instead", id)
		}
		if in.Name == nil {
			in.Name = old.Name
		}
		if in.ExpiresIn == 0 && in.ExpiresAt == nil && old.ExpiresAt != nil {
			in.ExpiresIn = old.ExpiresAt.Sub(old.CreatedAt)
		}
		if newKey, err = newAPIKey(in, now); err != nil {
			return err
		}
		newKey.WorkspaceID = workspaceID
		if err := insertAPIKey(ctx, tx, newKey); err != nil {
			return err
		}
		return revoke(ctx, tx, old, now.Add(grace))
	})
	s.keys.forget()
	if err != nil {
		return nil, nil, err
	}
	return newKey, old, nil
}

// Authenticate returns the workspace a key acts for, or an ErrUnauthorized error: a key
// that is unknown, revoked (its rotation's grace period included, once over) or expired.
// It records when the key was last used, to the minute.
func (s *Store) Authenticate(ctx context.Context, secret string) (*feedwire.Workspace, error) {
	if !strings.HasPrefix(secret, apiKeyPrefix) {
		return nil, feedwire.Unauthorized("the API key is not valid")
	}
	hash := hashKey(secret)
	k, ok, generation := s.keys.get(hash)
	if !ok {
		var err error
		if k, err = s.readKey(ctx, hash); err != nil {
			return nil, err
		}
		s.keys.put(hash, k, generation)
	}
	now := s.clock()
	switch {
	case k.revoked != nil && !now.Before(*k.revoked):
		return nil, feedwire.Unauthorized("the API key was revoked at " + k.revoked.Format(time.RFC3339))
	case k.expires != nil && !now.Before(*k.expires):
		return nil, feedwire.Unauthorized("the API key expired at " + k.expires.Format(time.RFC3339) + "; create a new one")
	}
	if k.lastUsed == nil || now.Sub(*k.lastUsed) >= lastUsedPrecision {
		// lastUsedAt is a hint for people deciding which keys to revoke: failing to
		// record it must not fail the request it describes, so the error is dropped.
		// The condition keeps concurrent requests from writing it twice.
		s.write.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?
			AND (last_used_at IS NULL OR last_used_at <= ?)`, millis(now), k.id, millis(now.Add(-lastUsedPrecision)))
		s.keys.usedAt(hash, now)
	}
	return &k.workspace, nil
}

// readKey reads what Authenticate needs of the key whose hash is hash.
func (s *Store) readKey(ctx context.Context, hash [32]byte) (cachedKey, error) {
	k := cachedKey{read: time.Now()}
	ws := &k.workspace
	err := s.read.QueryRowContext(ctx, `SELECT k.id, k.last_used_at, k.expires_at, k.revoked_at, w.id, w.name, w.created_at
		FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id WHERE k.secret_hash = ?`, hash[:]).
		Scan(&k.id, nullTimeColumn{&k.lastUsed}, nullTimeColumn{&k.expires}, nullTimeColumn{&k.revoked},
			&ws.ID, &ws.Name, timeColumn{&ws.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return k, feedwire.Unauthorized("the API key is not valid")
	}
	if err != nil {
		return k, fmt.Errorf("authenticate: %w", err)
	}
	return k, nil
}

// hashKey is SHA-256: API keys are 192 random bits, so a slow password hash would add
// cost to every request and no safety.
func hashKey(secret string) [32]byte {
	return sha256.Sum256([]byte(secret))
}
