package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/feedwire/feedwire"
)

// BeginIdempotent claims key in the workspace for a request with this fingerprint; see
// feedwire.IdempotencyService. A claim older than feedwire.IdempotencyKeyLifetime is
// replaced, and of two requests with one new key, the one that commits first runs.
//
// A claim whose request never finished (its process died, or shutdown cut it off) is
// taken over once older than abandonedClaim, so that a retry is not refused as "still
// running" for a day.
func (s *Store) BeginIdempotent(ctx context.Context, workspaceID, key, fingerprint string) (*feedwire.IdempotentAnswer, error) {
	var remembered *feedwire.IdempotentAnswer
	err := s.inTx(ctx, func(tx *txn) error {
		remembered = nil
		now := s.clock()
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE workspace_id = ? AND request_key = ?
			AND (created_at < ? OR (status = 0 AND created_at < ?))`, workspaceID, key,
			millis(now.Add(-feedwire.IdempotencyKeyLifetime)), millis(now.Add(-abandonedClaim))); err != nil {
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
		var sealed []byte
		err = tx.QueryRowContext(ctx, `SELECT fingerprint, status, content_type, body FROM idempotency_keys
			WHERE workspace_id = ? AND request_key = ?`, workspaceID, key).Scan(&a.Fingerprint, &a.Status, &a.ContentType, &sealed)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("the idempotency key vanished while being claimed; try again")
		}
		if err != nil {
			return err
		}
		if a.Status != 0 {
			body, err := s.box.open(string(sealed), idempotentAnswerAAD)
			if err != nil {
				return err
			}
			a.Body = []byte(body)
		}
		remembered = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("idempotency key: %w", err)
	}
	return remembered, nil
}

// abandonedClaim is how long a claim may stay unfinished before another request with
// its key takes it over: longer than any request may run (the longest write timeout
// serve allows is far below it).
const abandonedClaim = 10 * time.Minute

// idempotentAnswerAAD binds a sealed answer to its use.
var idempotentAnswerAAD = []byte("feedwire idempotent answer")

// FinishIdempotent remembers the answer of the request that claimed key. The answer is
// sealed like webhook secrets: it may hold one, or an API key shown only once.
func (s *Store) FinishIdempotent(ctx context.Context, workspaceID, key string, a feedwire.IdempotentAnswer) error {
	sealed := []byte(s.box.seal(string(a.Body), idempotentAnswerAAD))
	err := s.inTx(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET status = ?, content_type = ?, body = ?
			WHERE workspace_id = ? AND request_key = ?`, a.Status, a.ContentType, sealed, workspaceID, key)
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
