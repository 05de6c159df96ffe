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
	steps := []pruneStep{
		{&p.Expired, "deliveries", `status = 'pending' AND created_at < ? AND lease IS NULL`},
		{&p.Attempts, "attempts", `started_at < ?`},
		{&p.Deliveries, "deliveries", `status IN ('succeeded', 'failed') AND updated_at < ?`},
		{&p.Events, "events", `created_at < ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id)`},
		{&p.Jobs, "jobs", `status IN ('succeeded', 'failed') AND updated_at < ?`},
	}
	for _, step := range steps {
		if err := s.prune(ctx, step, before); err != nil {
			return p, fmt.Errorf("prune %s: %w", step.table, err)
		}
	}
	// The keys are found by the index on their age, so they are deleted as found.
	for {
		var n int64
		err := s.inTx(ctx, func(tx *txn) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE (workspace_id, request_key) IN (
				SELECT workspace_id, request_key FROM idempotency_keys WHERE created_at < ? LIMIT ?)`,
				millis(s.clock().Add(-feedwire.IdempotencyKeyLifetime)), pruneBatch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return p, fmt.Errorf("prune idempotency keys: %w", err)
		}
		p.IdempotencyKeys += int(n)
		if n < pruneBatch {
			return p, nil
		}
	}
}

// pruneStep deletes the rows of table that match where, whose one parameter is the
// time they must be older than.
type pruneStep struct {
	count *int
	table string
	where string
}

// prune deletes what step matches, pruneBatch rows at a time. Each batch is found on
// a read connection and deleted by id, matched again, in a write transaction: finding
// it may scan a whole table (no index serves finished deliveries or events by age), and
// on SQLite a scan in the write transaction held every write back while it ran (182 ms
// with a million deliveries and nothing to prune).
func (s *Store) prune(ctx context.Context, step pruneStep, before time.Time) error {
	for {
		ids, err := s.pruneBatchIDs(ctx, step, before)
		if err != nil || len(ids) == 0 {
			return err
		}
		var deleted int64
		err = s.inTx(ctx, func(tx *txn) error {
			deleted = 0
			return inChunks(ids, func(part []string) error {
				args := append([]any{millis(before)}, anys(part)...)
				res, err := tx.ExecContext(ctx, `DELETE FROM `+step.table+` WHERE `+step.where+
					` AND id IN (`+placeholders(len(part))+`)`, args...)
				if err != nil {
					return err
				}
				n, err := res.RowsAffected()
				deleted += n
				return err
			})
		})
		if err != nil {
			return err
		}
		*step.count += int(deleted)
		// Rows found but changed before their deletion are left; stopping when a
		// batch deletes nothing keeps them from being found forever.
		if len(ids) < pruneBatch || deleted == 0 {
			return nil
		}
	}
}

// pruneBatchIDs finds the ids of up to pruneBatch rows that step deletes.
func (s *Store) pruneBatchIDs(ctx context.Context, step pruneStep, before time.Time) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id FROM `+step.table+` WHERE `+step.where+` LIMIT ?`,
		millis(before), pruneBatch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
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
