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

	"github.com/feedwire/feedwire"
)

// apiKeyPrefix starts every API key, so a leaked key is easy to recognise and to scan
// for.
const apiKeyPrefix = "fw_"

// CreateAPIKey creates a key for the workspace with that name, creating the workspace
// first if there is none. The returned key holds the secret; only its hash is stored.
func (s *Store) CreateAPIKey(ctx context.Context, workspaceName string) (*feedwire.Workspace, *feedwire.APIKey, error) {
	workspaceName = strings.TrimSpace(workspaceName)
	if workspaceName == "" {
		return nil, nil, feedwire.Invalid("workspace", "is required")
	}
	secret := make([]byte, 24)
	rand.Read(secret) // never returns an error
	now := s.clock()
	key := &feedwire.APIKey{ID: newID(now), Secret: apiKeyPrefix + hex.EncodeToString(secret), CreatedAt: now}
	ws := &feedwire.Workspace{Name: workspaceName}
	err := s.inTx(ctx, func(tx *txn) error {
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
		_, err = tx.ExecContext(ctx, `INSERT INTO api_keys (id, workspace_id, secret_hash, created_at) VALUES (?, ?, ?, ?)`,
			key.ID, key.WorkspaceID, hashKey(key.Secret), millis(key.CreatedAt))
		if err != nil {
			return fmt.Errorf("insert api key: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return ws, key, nil
}

// Authenticate returns the workspace a key acts for, or an ErrUnauthorized error.
func (s *Store) Authenticate(ctx context.Context, secret string) (*feedwire.Workspace, error) {
	if !strings.HasPrefix(secret, apiKeyPrefix) {
		return nil, feedwire.Unauthorized("the API key is not valid")
	}
	var ws feedwire.Workspace
	err := s.read.QueryRowContext(ctx, `SELECT w.id, w.name, w.created_at FROM api_keys k
		JOIN workspaces w ON w.id = k.workspace_id WHERE k.secret_hash = ?`, hashKey(secret)).
		Scan(&ws.ID, &ws.Name, timeColumn{&ws.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, feedwire.Unauthorized("the API key is not valid")
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	return &ws, nil
}

// hashKey is SHA-256: API keys are 192 random bits, so a slow password hash would add
// cost to every request and no safety.
func hashKey(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}
