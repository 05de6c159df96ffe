package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

// featurebasePrefix starts the envelope id of a featurebase delivery. The stored id is
// the UUIDv7 after it, so that deliveries of both formats sort together by time.
const featurebasePrefix = "notif_"

// envelopeID is the id a receiver sees for a delivery stored under id.
func envelopeID(id string, t feedwire.EventType) string {
	if t.Format() == feedwire.FormatFeaturebase {
		return featurebasePrefix + id
	}
	return id
}

// storedID is the stored id of a delivery whose envelope id is envelope.
func storedID(envelope string) string {
	return strings.TrimPrefix(envelope, featurebasePrefix)
}

var deliveries = table[feedwire.Delivery]{
	name: "deliveries",
	what: "delivery",
	columns: `id, workspace_id, webhook_id, event_id, event_type, status, attempts, next_attempt_at,
		last_attempt_at, last_status_code, test, created_at, updated_at`,
	scan: func(row scanner) (*feedwire.Delivery, error) {
		var d feedwire.Delivery
		err := row.Scan(&d.ID, &d.WorkspaceID, &d.WebhookID, &d.EventID, &d.EventType, &d.Status, &d.Attempts,
			nullTimeColumn{&d.NextAttemptAt}, nullTimeColumn{&d.LastAttemptAt}, &d.LastStatusCode, &d.Test,
			timeColumn{&d.CreatedAt}, timeColumn{&d.UpdatedAt})
		d.ID = envelopeID(d.ID, d.EventType)
		return &d, err
	},
	id: func(d *feedwire.Delivery) string { return storedID(d.ID) },
}

// queueDeliveries queues one delivery of ev to every active webhook of its workspace
// that subscribes to its type, due at once. It runs in the transaction that stores the
// event: that is the transactional outbox.
func queueDeliveries(ctx context.Context, tx *txn, ev *feedwire.Event) error {
	query := `SELECT w.id, w.filter, w.ordering FROM webhook_topics t JOIN webhooks w ON w.id = t.webhook_id
		WHERE t.workspace_id = ? AND t.topic = ? AND w.status = 'active'`
	if tx.engine == postgresEngine {
		// The webhooks found stay until this transaction ends: one deleted meanwhile
		// would fail its delivery's foreign key (insertTx runs at read committed).
		// A key share lock holds off only deletes: updates of a webhook go on.
		query += ` FOR KEY SHARE OF w`
	}
	rows, err := tx.QueryContext(ctx, query, ev.WorkspaceID, ev.Type)
	if err != nil {
		return fmt.Errorf("find webhooks: %w", err)
	}
	var webhookIDs []string
	var filters []*string // each webhook's filter, nil for none
	var orderings []feedwire.Ordering
	for rows.Next() {
		var id string
		var filter *string
		var ordering feedwire.Ordering
		if err := rows.Scan(&id, &filter, &ordering); err != nil {
			rows.Close()
			return fmt.Errorf("find webhooks: %w", err)
		}
		webhookIDs = append(webhookIDs, id)
		filters = append(filters, filter)
		orderings = append(orderings, ordering)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find webhooks: %w", err)
	}
	input := filterInput{ev: ev}
	for i, webhookID := range webhookIDs {
		pass, err := passesFilter(tx, filters[i], &input)
		if err != nil {
			return fmt.Errorf("filter of webhook %s: %w", webhookID, err)
		}
		if !pass {
			continue // filtered out: no delivery at all
		}
		ordered := orderings[i] == feedwire.OrderingFIFO
		if err := insertDelivery(ctx, tx, ev, webhookID, ev.CreatedAt, &ev.CreatedAt, false, ordered); err != nil {
			return err
		}
	}
	return nil
}

// insertDelivery queues a delivery of ev to a webhook at now, due at due, or held when
// due is nil. A delivery to a FIFO webhook (ordered) takes the next number of the
// webhook's sequence.
func insertDelivery(ctx context.Context, tx *txn, ev *feedwire.Event, webhookID string, now time.Time, due *time.Time, test, ordered bool) error {
	id, err := newEventID()
	if err != nil {
		return fmt.Errorf("queue delivery: %w", err)
	}
	var seq *int64
	if ordered {
		if seq, err = nextInOrder(ctx, tx, webhookID); err != nil {
			return fmt.Errorf("queue delivery: %w", err)
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO deliveries (id, workspace_id, webhook_id, event_id, event_type, status,
		next_attempt_at, test, fifo_seq, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)`,
		id, ev.WorkspaceID, webhookID, ev.ID, ev.Type, nullMillis(due), test, seq, millis(now), millis(now))
	if err != nil {
		return fmt.Errorf("queue delivery: %w", err)
	}
	if due != nil {
		tx.deliveries++
	}
	return nil
}

// Delivery returns one delivery of the workspace by its envelope id.
func (s *Store) Delivery(ctx context.Context, workspaceID, id string) (*feedwire.Delivery, error) {
	d, err := deliveries.get(ctx, s.read, workspaceID, storedID(id))
	if errors.Is(err, feedwire.ErrNotFound) {
		return nil, feedwire.NotFound("no delivery with id %q", id) // name the envelope id asked for
	}
	if err != nil {
		return nil, err
	}
	return d, noteWaiting(ctx, s.read, []*feedwire.Delivery{d})
}

// Deliveries returns one page of the workspace's deliveries, newest first.
func (s *Store) Deliveries(ctx context.Context, workspaceID string, f feedwire.DeliveryFilter) (*feedwire.Page[feedwire.Delivery], error) {
	var where strings.Builder
	var args []any
	if f.WebhookID != "" {
		where.WriteString("AND webhook_id = ? ")
		args = append(args, f.WebhookID)
	}
	if f.Status != "" {
		where.WriteString("AND status = ? ")
		args = append(args, f.Status)
	}
	if f.EventType != "" {
		where.WriteString("AND event_type = ? ")
		args = append(args, f.EventType)
	}
	if !f.Since.IsZero() {
		where.WriteString("AND created_at >= ? ")
		args = append(args, millis(f.Since))
	}
	if !f.Until.IsZero() {
		where.WriteString("AND created_at < ? ")
		args = append(args, millis(f.Until))
	}
	page, err := deliveries.list(ctx, s.read, workspaceID, f.ListParams, where.String(), args...)
	if err != nil {
		return nil, err
	}
	list := make([]*feedwire.Delivery, len(page.Items))
	for i := range page.Items {
		list[i] = &page.Items[i]
	}
	return page, noteWaiting(ctx, s.read, list)
}

// Attempts returns every attempt of a delivery, first first.
func (s *Store) Attempts(ctx context.Context, workspaceID, deliveryID string) ([]feedwire.Attempt, error) {
	d, err := s.Delivery(ctx, workspaceID, deliveryID)
	if err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT id, delivery_id, webhook_id, number, started_at, duration_us,
		request_url, request_headers, request_body, response_status, response_headers, response_body,
		error_class, error_message, outcome, next_attempt_at
		FROM attempts WHERE delivery_id = ? ORDER BY number, id`, storedID(d.ID))
	if err != nil {
		return nil, fmt.Errorf("list attempts: %w", err)
	}
	defer rows.Close()
	attempts := []feedwire.Attempt{}
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, fmt.Errorf("list attempts: %w", err)
		}
		a.DeliveryID = d.ID
		attempts = append(attempts, *a)
	}
	return attempts, rows.Err()
}

func scanAttempt(row scanner) (*feedwire.Attempt, error) {
	var a feedwire.Attempt
	var durationUs int64
	var requestHeaders string
	var responseStatus *int
	var responseHeaders, errorClass, errorMessage *string
	err := row.Scan(&a.ID, &a.DeliveryID, &a.WebhookID, &a.Number, timeColumn{&a.StartedAt}, &durationUs,
		&a.RequestURL, &requestHeaders, &a.RequestBody, &responseStatus, &responseHeaders, &a.ResponseBody,
		&errorClass, &errorMessage, &a.Outcome, nullTimeColumn{&a.NextAttemptAt})
	if err != nil {
		return nil, err
	}
	a.Duration = time.Duration(durationUs) * time.Microsecond
	a.ResponseStatus = deref(responseStatus)
	a.ErrorClass = feedwire.ErrorClass(deref(errorClass))
	a.ErrorMessage = deref(errorMessage)
	if err := json.Unmarshal([]byte(requestHeaders), &a.RequestHeaders); err != nil {
		return nil, err
	}
	if responseHeaders != nil {
		if err := json.Unmarshal([]byte(*responseHeaders), &a.ResponseHeaders); err != nil {
			return nil, err
		}
	}
	return &a, nil
}

// RetryDelivery makes a delivery due now, whatever its status. Its webhook's status still
// applies: the delivery of a paused webhook is held until the webhook is active.
func (s *Store) RetryDelivery(ctx context.Context, workspaceID, id string) (*feedwire.Delivery, error) {
	var out *feedwire.Delivery
	err := s.inTx(ctx, func(tx *txn) error {
		d, err := deliveries.get(ctx, tx, workspaceID, storedID(id))
		if errors.Is(err, feedwire.ErrNotFound) {
			return feedwire.NotFound("no delivery with id %q", id)
		}
		if err != nil {
			return err
		}
		now := s.clock()
		due := &now
		var status feedwire.WebhookStatus
		var ordering feedwire.Ordering
		err = tx.QueryRowContext(ctx, `SELECT status, ordering FROM webhooks WHERE id = ?`, d.WebhookID).Scan(&status, &ordering)
		if err != nil {
			return fmt.Errorf("retry delivery: %w", err)
		}
		if status != feedwire.WebhookActive && !d.Test {
			due = nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE deliveries SET status = 'pending', next_attempt_at = ?, lease = NULL,
			fifo_seq = COALESCE(fifo_seq, ?), updated_at = ? WHERE id = ?`,
			nullMillis(due), pendingAgainSeq(ordering), millis(now), storedID(d.ID))
		if err != nil {
			return fmt.Errorf("retry delivery: %w", err)
		}
		if due != nil {
			tx.deliveries++
		}
		d.Status, d.NextAttemptAt, d.UpdatedAt = feedwire.DeliveryPending, due, now
		out = d
		return nil
	})
	return out, err
}

// QueueTestDelivery stores ev, an example event, as a test event of the workspace and
// queues one delivery of it to the webhook, due now whatever the webhook's status.
func (s *Store) QueueTestDelivery(ctx context.Context, workspaceID, webhookID string, ev *feedwire.Event) (*feedwire.Delivery, error) {
	var out *feedwire.Delivery
	err := s.inTx(ctx, func(tx *txn) error {
		w, err := s.webhooks().get(ctx, tx, workspaceID, webhookID)
		if err != nil {
			return err
		}
		now := s.clock()
		id, err := newEventID()
		if err != nil {
			return err
		}
		test := *ev
		test.ID, test.WorkspaceID, test.CreatedAt = id, workspaceID, now
		if err := insertEvent(ctx, tx, &test, true); err != nil {
			return fmt.Errorf("store test event: %w", err)
		}
		if err := insertDelivery(ctx, tx, &test, webhookID, now, &now, true, w.Ordering == feedwire.OrderingFIFO); err != nil {
			return err
		}
		out, err = deliveries.scan(tx.QueryRowContext(ctx, `SELECT `+deliveries.columns+` FROM deliveries
			WHERE event_id = ?`, test.ID))
		return err
	})
	return out, err
}

// nullText stores raw JSON as text, or NULL when there is none.
func nullText(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}

// headerJSON stores an http.Header as JSON, names sorted as json.Marshal sorts them,
// but written here: marshalling the map by reflection was a thirtieth of the CPU of a
// drain, on the committer's goroutine. (<, > and & are written as they are, as in the
// bodies; the headers are read back with json.Unmarshal.)
func headerJSON(h http.Header) string {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	b := make([]byte, 0, 64*len(h)+2)
	b = append(b, '{')
	for i, name := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = wire.AppendString(b, name)
		b = append(b, ':')
		if h[name] == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, value := range h[name] {
			if j > 0 {
				b = append(b, ',')
			}
			b = wire.AppendString(b, value)
		}
		b = append(b, ']')
	}
	return string(append(b, '}'))
}
