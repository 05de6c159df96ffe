package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/feedwire/feedwire"
)

// BeginIdempotent claims key in the workspace for a request with this fingerprint; see
// feedwire.IdempotencyService. A claim older than feedwire.IdempotencyKeyLifetime is
// replaced, and of two requests with one new key, the one that commits first runs.
func (s *Store) BeginIdempotent(ctx context.Context, workspaceID, key, fingerprint string) (*feedwire.IdempotentAnswer, error) {
	var remembered *feedwire.IdempotentAnswer
	err := s.inTx(ctx, func(tx *txn) error {
		remembered = nil
		now := s.clock()
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE workspace_id = ? AND request_key = ? AND created_at < ?`,
			workspaceID, key, millis(now.Add(-feedwire.IdempotencyKeyLifetime))); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (workspace_id, request_key, fingerprint, created_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id, request_key) DO NOTHING`, workspaceID, key, fingerprint, millis(now))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		a := &feedwire.IdempotentAnswer{}
		err = tx.QueryRowContext(ctx, `SELECT fingerprint, status, content_type, body FROM idempotency_keys
			WHERE workspace_id = ? AND request_key = ?`, workspaceID, key).Scan(&a.Fingerprint, &a.Status, &a.ContentType, &a.Body)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("the idempotency key vanished while being claimed; try again")
		}
		remembered = a
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("idempotency key: %w", err)
	}
	return remembered, nil
}

// FinishIdempotent remembers the answer of the request that claimed key.
func (s *Store) FinishIdempotent(ctx context.Context, workspaceID, key string, a feedwire.IdempotentAnswer) error {
	err := s.inTx(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET status = ?, content_type = ?, body = ?
			WHERE workspace_id = ? AND request_key = ?`, a.Status, a.ContentType, a.Body, workspaceID, key)
		return err
	})
	if err != nil {
		return fmt.Errorf("idempotency key: %w", err)
	}
	return nil
}

// ForgetIdempotent gives key up.
func (s *Store) ForgetIdempotent(ctx context.Context, workspaceID, key string) error {
	err := s.inTx(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE workspace_id = ? AND request_key = ?`, workspaceID, key)
		return err
	})
	if err != nil {
		return fmt.Errorf("idempotency key: %w", err)
	}
	return nil
}
