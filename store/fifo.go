package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/feedwire/feedwire"
)

// nextInOrder returns the next number of a FIFO webhook's sequence. The upsert holds
// the sequence's row until the transaction ends (on Postgres; SQLite has one writer),
// so a transaction that numbers a delivery after another commits after it too: the
// numbers follow the order of the commits.
func nextInOrder(ctx context.Context, tx *txn, webhookID string) (*int64, error) {
	var seq int64
	err := tx.QueryRowContext(ctx, `INSERT INTO webhook_fifo (webhook_id, last_seq) VALUES (?, 1)
		ON CONFLICT (webhook_id) DO UPDATE SET last_seq = webhook_fifo.last_seq + 1 RETURNING last_seq`, webhookID).Scan(&seq)
	if err != nil {
		return nil, fmt.Errorf("number of webhook %s: %w", webhookID, err)
	}
	return &seq, nil
}

// fifoHead is the first pending delivery of a FIFO webhook: the only one a claim may
// take, and only when it is due.
type fifoHead struct {
	id        string // its stored id
	eventType feedwire.EventType
	due       *time.Time // nil while the webhook's deliveries are held
}

// headQuery finds a FIFO webhook's head: deliveries queued before the webhook became
// FIFO (numbered 0, inOrderFromNow) first, by their time-sorted ids, then by number.
// Every pending delivery of a FIFO webhook has a number, and only numbered ones are in
// the index it reads (deliveries_in_order), so other webhooks' deliveries cost it no
// upkeep.
const headQuery = `SELECT id, event_type, next_attempt_at FROM deliveries
	WHERE webhook_id = ? AND status = 'pending' AND fifo_seq IS NOT NULL ORDER BY fifo_seq, id LIMIT 1`

// inOrderFromNow numbers 0 the pending deliveries of a webhook that has just become
// FIFO: they were queued before any it numbers from now on, and go first (before those
// still pending from an earlier time the webhook was FIFO too, as unnumbered ones
// always did).
func inOrderFromNow(ctx context.Context, tx *txn, webhookID string) error {
	_, err := tx.ExecContext(ctx, `UPDATE deliveries SET fifo_seq = 0
		WHERE webhook_id = ? AND status = 'pending' AND fifo_seq IS NULL`, webhookID)
	if err != nil {
		return fmt.Errorf("number the deliveries of webhook %s: %w", webhookID, err)
	}
	return nil
}

// pendingAgainSeq is the number to give a delivery that becomes pending again (a
// retry, a recover) when it has none: 0 for a FIFO webhook's, as inOrderFromNow
// gives, and none for another's. Set it with fifo_seq = COALESCE(fifo_seq, ?).
func pendingAgainSeq(o feedwire.Ordering) *int64 {
	if o != feedwire.OrderingFIFO {
		return nil
	}
	first := int64(0)
	return &first
}

// headOf returns the head of a FIFO webhook's queue, nil when nothing is pending. On
// Postgres it locks the head, without skipping it: a claim of another node waits, and
// then finds it leased, so two nodes never send a FIFO webhook's deliveries at once.
func headOf(ctx context.Context, tx *txn, webhookID string) (*fifoHead, error) {
	query := headQuery
	if tx.engine == postgresEngine {
		query += ` FOR UPDATE`
	}
	return readHead(ctx, tx, query, webhookID)
}

func readHead(ctx context.Context, q querier, query, webhookID string) (*fifoHead, error) {
	var h fifoHead
	var due *int64
	err := q.QueryRowContext(ctx, query, webhookID).Scan(&h.id, &h.eventType, &due)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("head of webhook %s: %w", webhookID, err)
	}
	if due != nil {
		t := time.UnixMilli(*due)
		h.due = &t
	}
	return &h, nil
}

// dueInOrder decides what a claim takes of each active FIFO webhook: its head, if it
// is due and no attempt of the webhook is under way; nothing otherwise. A head leased
// by a claim is due when its lease ends, which is when a claim looks again, unless its
// record (which wakes the dispatcher) comes first. It returns the heads to take, by
// webhook, and leaves in due only the FIFO webhooks that have one.
func dueInOrder(ctx context.Context, tx *txn, due []feedwire.DueWebhook, fifo map[string]bool, req feedwire.ClaimRequest, out *feedwire.Claimed) ([]feedwire.DueWebhook, map[string]string, error) {
	if len(fifo) == 0 {
		return due, nil, nil
	}
	heads := map[string]string{}
	kept := due[:0]
	for _, w := range due {
		if !fifo[w.ID] {
			kept = append(kept, w)
			continue
		}
		head, err := headOf(ctx, tx, w.ID)
		if err == nil && head == nil {
			// Something is due (w is), yet no delivery has a number: one was queued
			// by a transaction that read the webhook before it became FIFO, and
			// committed after the change had numbered those pending (Postgres, at read
			// committed). Numbered now, it goes next.
			if err = inOrderFromNow(ctx, tx, w.ID); err == nil {
				head, err = headOf(ctx, tx, w.ID)
			}
		}
		if err != nil {
			return nil, nil, fmt.Errorf("claim deliveries: %w", err)
		}
		switch {
		case head == nil || head.due == nil:
			// nothing pending, or held
		case head.due.After(req.Now):
			out.ClaimBy(*head.due)
		case w.InFlight > 0:
			out.Held = true // its attempt under way makes room when it ends
		default:
			w.Due, w.Oldest = 1, *head.due
			heads[w.ID] = head.id
			kept = append(kept, w)
		}
	}
	return kept, heads, nil
}

// noteWaiting sets WaitingFor on each pending delivery of a FIFO webhook that has a
// delivery ahead of it.
func noteWaiting(ctx context.Context, q querier, list []*feedwire.Delivery) error {
	heads := map[string]*string{} // by webhook: its head's envelope id, nil when not FIFO
	for _, d := range list {
		if d.Status != feedwire.DeliveryPending {
			continue
		}
		head, seen := heads[d.WebhookID]
		if !seen {
			var err error
			if head, err = headEnvelope(ctx, q, d.WebhookID); err != nil {
				return err
			}
			heads[d.WebhookID] = head
		}
		if head != nil && *head != d.ID {
			d.WaitingFor = head
		}
	}
	return nil
}

// headEnvelope returns the envelope id of a FIFO webhook's head, nil when the webhook
// is not FIFO or has nothing pending.
func headEnvelope(ctx context.Context, q querier, webhookID string) (*string, error) {
	var ordering feedwire.Ordering
	err := q.QueryRowContext(ctx, `SELECT ordering FROM webhooks WHERE id = ?`, webhookID).Scan(&ordering)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil // deleted meanwhile
	}
	if err != nil {
		return nil, fmt.Errorf("ordering of webhook %s: %w", webhookID, err)
	}
	if ordering != feedwire.OrderingFIFO {
		return nil, nil
	}
	head, err := readHead(ctx, q, headQuery, webhookID)
	if head == nil || err != nil {
		return nil, err
	}
	envelope := envelopeID(head.id, head.eventType)
	return &envelope, nil
}
