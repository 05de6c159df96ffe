package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/feedwire/feedwire"
)

// ClaimDeliveries takes up to limit deliveries that are due at now and leases them until
// now+lease: their due time moves to the lease's end, so if the worker dies they are due
// again then. Deliveries of webhooks that are not active are skipped, except tests.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*feedwire.Claim, error) {
	var claims []*feedwire.Claim
	err := s.inTx(ctx, func(tx *txn) error {
		var err error
		claims, err = dueDeliveries(ctx, tx, now, limit)
		if err != nil || len(claims) == 0 {
			return err
		}
		token := newLease()
		ids := make([]any, 0, len(claims)+2)
		ids = append(ids, millis(now.Add(lease)), token)
		for _, c := range claims {
			c.Lease = token
			ids = append(ids, storedID(c.Delivery.ID))
		}
		_, err = tx.ExecContext(ctx, `UPDATE deliveries SET next_attempt_at = ?, lease = ? WHERE id IN (`+
			placeholders(len(claims))+`)`, ids...)
		if err != nil {
			return fmt.Errorf("lease deliveries: %w", err)
		}
		return attachWebhooks(ctx, tx, claims)
	})
	return claims, err
}

// dueDeliveries reads the due deliveries with their events, soonest due first.
func dueDeliveries(ctx context.Context, tx *txn, now time.Time, limit int) ([]*feedwire.Claim, error) {
	rows, err := tx.QueryContext(ctx, `SELECT d.id, d.workspace_id, d.webhook_id, d.event_id, d.event_type, d.status,
			d.attempts, d.last_attempt_at, d.last_status_code, d.test, d.created_at, d.updated_at,
			e.resource_type, e.resource_id, e.data, e.changes, e.conversation_id, e.conversation_url, e.created_at
		FROM deliveries d
		JOIN webhooks w ON w.id = d.webhook_id
		JOIN events e ON e.id = d.event_id
		WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND (w.status = 'active' OR d.test = 1)
		ORDER BY d.next_attempt_at
		LIMIT ?`, millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	defer rows.Close()
	var claims []*feedwire.Claim
	for rows.Next() {
		c := &feedwire.Claim{}
		d, e := &c.Delivery, &c.Event
		var data string
		var changes, conversationID, conversationURL *string
		err := rows.Scan(&d.ID, &d.WorkspaceID, &d.WebhookID, &d.EventID, &d.EventType, &d.Status, &d.Attempts,
			nullTimeColumn{&d.LastAttemptAt}, &d.LastStatusCode, &d.Test, timeColumn{&d.CreatedAt}, timeColumn{&d.UpdatedAt},
			&e.ResourceType, &e.ResourceID, &data, &changes, &conversationID, &conversationURL, timeColumn{&e.CreatedAt})
		if err != nil {
			return nil, fmt.Errorf("claim deliveries: %w", err)
		}
		d.ID = envelopeID(d.ID, d.EventType)
		e.ID, e.WorkspaceID, e.Type, e.Data = d.EventID, d.WorkspaceID, d.EventType, []byte(data)
		e.ConversationID, e.ConversationURL = deref(conversationID), deref(conversationURL)
		if changes != nil {
			e.Changes = []byte(*changes)
		}
		claims = append(claims, c)
	}
	return claims, rows.Err()
}

// attachWebhooks reads each claimed delivery's webhook once.
func attachWebhooks(ctx context.Context, tx *txn, claims []*feedwire.Claim) error {
	byID := map[string]*feedwire.Webhook{}
	for _, c := range claims {
		w, ok := byID[c.Delivery.WebhookID]
		if !ok {
			var err error
			w, err = scanWebhook(tx.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, c.Delivery.WebhookID))
			if err != nil {
				return fmt.Errorf("claim deliveries: webhook %s: %w", c.Delivery.WebhookID, err)
			}
			byID[w.ID] = w
		}
		c.Webhook = w
	}
	return nil
}

// RecordAttempts records a batch of finished attempts in one transaction (group
// commit): each attempt, its delivery's new state, and its webhook's health. A delivery
// whose lease another claim took meanwhile keeps the other claim's state; its attempt
// is still recorded, since it happened.
func (s *Store) RecordAttempts(ctx context.Context, results []feedwire.AttemptResult, suspendAfter time.Duration) error {
	return s.inTx(ctx, func(tx *txn) error {
		webhooks := map[string]*feedwire.Webhook{}
		for i := range results {
			r := &results[i]
			w, ok := webhooks[r.Claim.Delivery.WebhookID]
			if !ok {
				var err error
				w, err = scanWebhook(tx.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, r.Claim.Delivery.WebhookID))
				if errors.Is(err, sql.ErrNoRows) {
					continue // the webhook was deleted, and its deliveries with it
				}
				if err != nil {
					return fmt.Errorf("record attempts: %w", err)
				}
				webhooks[w.ID] = w
			}
			if w.RecordAttempt(&r.Attempt, suspendAfter) {
				r.Attempt.Outcome = feedwire.OutcomeSuspended
				if err := holdOrRelease(ctx, tx, feedwire.WebhookActive, w, r.Attempt.StartedAt); err != nil {
					return err
				}
			}
			if err := recordAttempt(ctx, tx, r, w.Status); err != nil {
				return err
			}
		}
		for _, w := range webhooks {
			w.UpdatedAt = s.clock()
			if err := writeWebhook(ctx, tx, w); err != nil {
				return err
			}
		}
		return nil
	})
}

// recordAttempt stores one attempt and applies its outcome to its delivery.
func recordAttempt(ctx context.Context, tx *txn, r *feedwire.AttemptResult, webhookStatus feedwire.WebhookStatus) error {
	a := &r.Attempt
	id, err := newEventID()
	if err != nil {
		return err
	}
	a.ID = id
	requestHeaders, err := headerJSON(a.RequestHeaders)
	if err != nil {
		return err
	}
	var responseHeaders *string
	if a.ResponseHeaders != nil {
		h, err := headerJSON(a.ResponseHeaders)
		if err != nil {
			return err
		}
		responseHeaders = &h
	}
	requestBody := a.RequestBody
	if requestBody == nil {
		requestBody = []byte{} // the request was never built
	}
	deliveryID := storedID(r.Claim.Delivery.ID)
	_, err = tx.ExecContext(ctx, `INSERT INTO attempts (id, delivery_id, webhook_id, number, started_at, duration_us,
		request_url, request_headers, request_body, response_status, response_headers, response_body, error_class,
		error_message, outcome, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, deliveryID, a.WebhookID, a.Number, millis(a.StartedAt), a.Duration.Microseconds(), a.RequestURL,
		requestHeaders, requestBody, nullZero(a.ResponseStatus), responseHeaders, a.ResponseBody,
		nullZero(string(a.ErrorClass)), nullZero(a.ErrorMessage), a.Outcome, nullMillis(a.NextAttemptAt))
	if err != nil {
		return fmt.Errorf("record attempt: %w", err)
	}
	status, next := feedwire.DeliveryPending, a.NextAttemptAt
	switch a.Outcome {
	case feedwire.OutcomeDelivered:
		status, next = feedwire.DeliverySucceeded, nil
	case feedwire.OutcomeFailed:
		status, next = feedwire.DeliveryFailed, nil
	}
	if status == feedwire.DeliveryPending && webhookStatus != feedwire.WebhookActive {
		next = nil // held until the webhook is active again
	}
	_, err = tx.ExecContext(ctx, `UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, lease = NULL,
		last_attempt_at = ?, last_status_code = ?, updated_at = ? WHERE id = ? AND lease = ?`,
		status, a.Number, nullMillis(next), millis(a.StartedAt), nullZero(a.ResponseStatus), millis(a.StartedAt),
		deliveryID, r.Claim.Lease)
	if err != nil {
		return fmt.Errorf("record attempt: %w", err)
	}
	return nil
}

// nullZero stores a zero value as NULL.
func nullZero[T comparable](v T) any {
	var zero T
	if v == zero {
		return nil
	}
	return v
}

// ReleaseLeases makes every leased delivery due at now. On SQLite one process does all
// the work, so at its start any lease is a dead process's.
func (s *Store) ReleaseLeases(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := s.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET next_attempt_at = ?, lease = NULL
			WHERE status = 'pending' AND lease IS NOT NULL`, millis(now))
		if err != nil {
			return fmt.Errorf("release leases: %w", err)
		}
		n, _ = res.RowsAffected()
		tx.deliveries += int(n)
		return nil
	})
	return int(n), err
}

// NextDue returns when the next pending delivery is due, and false when none is.
func (s *Store) NextDue(ctx context.Context) (time.Time, bool, error) {
	var next *int64
	err := s.read.QueryRowContext(ctx, `SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending'`).Scan(&next)
	if err != nil || next == nil {
		return time.Time{}, false, err
	}
	return time.UnixMilli(*next), true, nil
}

// QueueDepth counts the pending deliveries, held ones included.
func (s *Store) QueueDepth(ctx context.Context) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM deliveries WHERE status = 'pending'`).Scan(&n)
	return n, err
}

func newLease() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
