package store

import (
	"context"
	"fmt"
	"time"

	"github.com/feedwire/feedwire"
)

// pruneBatch bounds the rows one pruning transaction deletes, so that pruning a large
// backlog never holds the write lock for long.
const pruneBatch = 5000

// Prune deletes what is older than before: attempts, deliveries, finished jobs, and
// events that no delivery still needs. Deliveries that are still pending when they are
// older than before (held by a paused or suspended webhook, or waiting for a retry)
// are given up too, so that nothing grows without bound; only one under way, under a
// lease, is left to its attempt. The answers kept for Idempotency-Keys go once older
// than feedwire.IdempotencyKeyLifetime, whatever before is.
func (s *Store) Prune(ctx context.Context, before time.Time) (feedwire.Pruned, error) {
	var p feedwire.Pruned
	steps := []struct {
		count  *int
		query  string
		before time.Time
	}{
		{&p.Expired, `DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries
			WHERE status = 'pending' AND created_at < ? AND lease IS NULL LIMIT ?)`, before},
		{&p.Attempts, `DELETE FROM attempts WHERE id IN (SELECT id FROM attempts WHERE started_at < ? LIMIT ?)`, before},
		{&p.Deliveries, `DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries
			WHERE status IN ('succeeded', 'failed') AND updated_at < ? LIMIT ?)`, before},
		{&p.Events, `DELETE FROM events WHERE id IN (SELECT id FROM events e WHERE created_at < ?
			AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id) LIMIT ?)`, before},
		{&p.Jobs, `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs
			WHERE status IN ('succeeded', 'failed') AND updated_at < ? LIMIT ?)`, before},
		{&p.IdempotencyKeys, `DELETE FROM idempotency_keys WHERE (workspace_id, request_key) IN (
			SELECT workspace_id, request_key FROM idempotency_keys WHERE created_at < ? LIMIT ?)`,
			s.clock().Add(-feedwire.IdempotencyKeyLifetime)},
	}
	for _, step := range steps {
		for {
			var n int64
			err := s.inTx(ctx, func(tx *txn) error {
				res, err := tx.ExecContext(ctx, step.query, millis(step.before), pruneBatch)
				if err != nil {
					return err
				}
				n, err = res.RowsAffected()
				return err
			})
			if err != nil {
				return p, fmt.Errorf("prune: %w", err)
			}
			*step.count += int(n)
			if n < pruneBatch {
				break
			}
		}
	}
	return p, nil
}

// SuspendFailing suspends the active webhooks that have had no success since before,
// for those that failed and then had nothing left to attempt.
func (s *Store) SuspendFailing(ctx context.Context, before time.Time) (int, error) {
	var suspended int
	err := s.inTx(ctx, func(tx *txn) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhooks
			WHERE status = 'active' AND failing_since < ?`, millis(before))
		if err != nil {
			return err
		}
		var failing []*feedwire.Webhook
		for rows.Next() {
			w, err := s.scanWebhook(rows)
			if err != nil {
				rows.Close()
				return err
			}
			failing = append(failing, w)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		now := s.clock()
		for _, w := range failing {
			reason := "no delivery has succeeded since " + w.Health.FailingSince.UTC().Format(time.RFC3339)
			w.Status, w.StatusReason, w.UpdatedAt = feedwire.WebhookSuspended, &reason, now
			if err := writeWebhook(ctx, tx, w); err != nil {
				return err
			}
			if err := holdOrRelease(ctx, tx, feedwire.WebhookActive, w, now); err != nil {
				return err
			}
			s, err := newSuspension(w, now)
			if err != nil {
				return err
			}
			if err := s.record(ctx, tx); err != nil {
				return err
			}
		}
		suspended = len(failing)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("suspend failing webhooks: %w", err)
	}
	return suspended, nil
}
