package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/feedwire/feedwire"
)

const webhookColumns = `id, workspace_id, name, url, description, format, status, status_reason, secret,
	previous_secret, previous_secret_expires_at, timeout_ms, headers, retry_schedule,
	last_status_code, last_status_message, last_status_at, last_response_ms, avg_response_ms,
	last_success_at, errors_since_last_success, consecutive_failures, failing_since, created_at, updated_at,
	rate_per_second, rate_burst, filter, template, ordering`

// webhooks describes the webhooks table, whose rows are read with their secrets opened.
func (s *Store) webhooks() table[feedwire.Webhook] {
	return table[feedwire.Webhook]{
		name:    "webhooks",
		what:    "webhook",
		columns: webhookColumns,
		scan:    s.scanWebhook,
		id:      func(w *feedwire.Webhook) string { return w.ID },
	}
}

// scanWebhook reads a row of webhookColumns and opens its sealed secrets.
func (s *Store) scanWebhook(row scanner) (*feedwire.Webhook, error) {
	var w feedwire.Webhook
	var timeoutMs int64
	var headers string
	var schedule *string
	var lastCode *int
	var lastMessage *string
	var lastAt *time.Time
	var lastResponseMs, avgResponseMs int64
	var ratePerSecond, rateBurst *int
	var filter, template *string
	err := row.Scan(&w.ID, &w.WorkspaceID, &w.Name, &w.URL, &w.Description, &w.Format, &w.Status, &w.StatusReason,
		&w.Secret, &w.PreviousSecret, nullTimeColumn{&w.PreviousSecretExpiresAt}, &timeoutMs, &headers, &schedule,
		&lastCode, &lastMessage, nullTimeColumn{&lastAt}, &lastResponseMs, &avgResponseMs,
		nullTimeColumn{&w.Health.LastSuccessAt}, &w.Health.ErrorsSinceLastSuccess, &w.Health.ConsecutiveFailures,
		nullTimeColumn{&w.Health.FailingSince}, timeColumn{&w.CreatedAt}, timeColumn{&w.UpdatedAt},
		&ratePerSecond, &rateBurst, &filter, &template, &w.Ordering)
	if err != nil {
		return nil, err
	}
	if ratePerSecond != nil && rateBurst != nil {
		w.RateLimit = &feedwire.RateLimit{PerSecond: *ratePerSecond, Burst: *rateBurst}
	}
	if err := decodeControls(&w, filter, template); err != nil {
		return nil, err
	}
	w.Timeout = time.Duration(timeoutMs) * time.Millisecond
	w.Health.LastResponseTime = time.Duration(lastResponseMs) * time.Millisecond
	w.Health.AvgResponseTime = time.Duration(avgResponseMs) * time.Millisecond
	if lastCode != nil && lastAt != nil {
		w.LastStatus = &feedwire.WebhookLastStatus{Code: *lastCode, Message: deref(lastMessage), At: *lastAt}
	}
	if err := json.Unmarshal([]byte(headers), &w.Headers); err != nil {
		return nil, fmt.Errorf("headers of webhook %s: %w", w.ID, err)
	}
	if schedule != nil {
		if w.RetrySchedule, err = decodeSchedule(*schedule); err != nil {
			return nil, fmt.Errorf("retry schedule of webhook %s: %w", w.ID, err)
		}
	}
	if err := s.openSecrets(&w); err != nil {
		return nil, fmt.Errorf("secret of webhook %s: %w", w.ID, err)
	}
	return &w, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// encodeSchedule stores a retry schedule as a JSON array of milliseconds, or NULL for
// the default.
func encodeSchedule(schedule []time.Duration) (*string, error) {
	if schedule == nil {
		return nil, nil
	}
	ms := make([]int64, len(schedule))
	for i, d := range schedule {
		ms[i] = d.Milliseconds()
	}
	b, err := json.Marshal(ms)
	s := string(b)
	return &s, err
}

func decodeSchedule(s string) ([]time.Duration, error) {
	var ms []int64
	if err := json.Unmarshal([]byte(s), &ms); err != nil {
		return nil, err
	}
	schedule := make([]time.Duration, len(ms))
	for i, m := range ms {
		schedule[i] = time.Duration(m) * time.Millisecond
	}
	return schedule, nil
}

// webhookValues returns the values of the columns of w that an update may change, but
// the health ones and the secrets: from name to retry_schedule, then rate_per_second,
// rate_burst, filter, template and ordering. Secrets change only on
// create and rotation (writeSecrets), so no other write handles them.
func webhookValues(w *feedwire.Webhook) ([]any, error) {
	headers, err := json.Marshal(w.Headers)
	if err != nil {
		return nil, err
	}
	schedule, err := encodeSchedule(w.RetrySchedule)
	if err != nil {
		return nil, err
	}
	var ratePerSecond, rateBurst *int
	if w.RateLimit != nil {
		ratePerSecond, rateBurst = &w.RateLimit.PerSecond, &w.RateLimit.Burst
	}
	filter, template, err := encodeControls(w)
	if err != nil {
		return nil, err
	}
	return []any{w.Name, w.URL, w.Description, w.Format, w.Status, w.StatusReason,
		w.Timeout.Milliseconds(), string(headers), schedule, ratePerSecond, rateBurst, filter, template,
		feedwire.OrderingOrDefault(w.Ordering)}, nil
}

// secretValues returns the sealed secrets of w, for the secret, previous_secret and
// previous_secret_expires_at columns.
func (s *Store) secretValues(w *feedwire.Webhook) []any {
	return []any{s.box.seal(w.Secret, secretAAD), s.box.sealOptional(w.PreviousSecret), nullMillis(w.PreviousSecretExpiresAt)}
}

// writeSecrets stores the secrets of w, sealed.
func (s *Store) writeSecrets(ctx context.Context, tx *txn, w *feedwire.Webhook) error {
	_, err := tx.ExecContext(ctx, `UPDATE webhooks SET secret = ?, previous_secret = ?, previous_secret_expires_at = ?
		WHERE id = ?`, append(s.secretValues(w), w.ID)...)
	if err != nil {
		return fmt.Errorf("update webhook secret: %w", err)
	}
	return nil
}

// CreateWebhook stores a new webhook, unless the workspace has as many as it may
// (Options.MaxWebhooksPerWorkspace). It makes no network call: package delivery's
// webhook service runs the harvestr challenge before calling it.
func (s *Store) CreateWebhook(ctx context.Context, workspaceID string, w *feedwire.Webhook) error {
	if err := w.Validate(); err != nil {
		return err
	}
	now := s.clock()
	w.ID, w.WorkspaceID, w.CreatedAt, w.UpdatedAt = newObjectID(now), workspaceID, now, now
	values, err := webhookValues(w)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *txn) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM webhooks WHERE workspace_id = ?`, workspaceID).Scan(&n); err != nil {
			return fmt.Errorf("count webhooks: %w", err)
		}
		if n >= s.maxWebhooks {
			return feedwire.Conflict("this workspace has %d webhooks, the most it may have; delete one first", s.maxWebhooks)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO webhooks (id, workspace_id, name, url, description, format,
			status, status_reason, timeout_ms, headers, retry_schedule, rate_per_second, rate_burst, filter, template,
			ordering, secret, previous_secret, previous_secret_expires_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			slices.Concat([]any{w.ID, w.WorkspaceID}, values, s.secretValues(w), []any{millis(w.CreatedAt), millis(w.UpdatedAt)})...)
		if err != nil {
			return fmt.Errorf("insert webhook: %w", err)
		}
		return setTopics(ctx, tx, w)
	})
}

// setTopics replaces the webhook's topic rows with its topics.
func setTopics(ctx context.Context, tx *txn, w *feedwire.Webhook) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_topics WHERE webhook_id = ?`, w.ID); err != nil {
		return fmt.Errorf("set topics: %w", err)
	}
	for i, t := range w.Topics {
		_, err := tx.ExecContext(ctx, `INSERT INTO webhook_topics (webhook_id, workspace_id, topic, position)
			VALUES (?, ?, ?, ?)`, w.ID, w.WorkspaceID, t, i)
		if err != nil {
			return fmt.Errorf("set topics: %w", err)
		}
	}
	return nil
}

// loadTopics fills in the topics of webhooks.
func loadTopics(ctx context.Context, q querier, ws ...*feedwire.Webhook) error {
	for _, w := range ws {
		rows, err := q.QueryContext(ctx, `SELECT topic FROM webhook_topics WHERE webhook_id = ? ORDER BY position`, w.ID)
		if err != nil {
			return fmt.Errorf("load topics: %w", err)
		}
		w.Topics = []feedwire.EventType{}
		for rows.Next() {
			var t feedwire.EventType
			if err := rows.Scan(&t); err != nil {
				rows.Close()
				return fmt.Errorf("load topics: %w", err)
			}
			w.Topics = append(w.Topics, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("load topics: %w", err)
		}
	}
	return nil
}

func (s *Store) getWebhook(ctx context.Context, q querier, workspaceID, id string) (*feedwire.Webhook, error) {
	w, err := s.webhooks().get(ctx, q, workspaceID, id)
	if err != nil {
		return nil, err
	}
	return w, loadTopics(ctx, q, w)
}

// Webhook returns one webhook of the workspace.
func (s *Store) Webhook(ctx context.Context, workspaceID, id string) (*feedwire.Webhook, error) {
	return s.getWebhook(ctx, s.read, workspaceID, id)
}

// Webhooks returns one page of the workspace's webhooks, newest first.
func (s *Store) Webhooks(ctx context.Context, workspaceID string, p feedwire.ListParams) (*feedwire.Page[feedwire.Webhook], error) {
	page, err := s.webhooks().list(ctx, s.read, workspaceID, p, "")
	if err != nil {
		return nil, err
	}
	for i := range page.Items {
		if err := loadTopics(ctx, s.read, &page.Items[i]); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// UpdateWebhook applies a patch to a webhook. check, when not nil, sees the webhook as
// it was and as it will be, and may refuse the change; the harvestr challenge runs
// there. A webhook that stops being active holds its pending deliveries; one that becomes
// active again makes them due at once.
func (s *Store) UpdateWebhook(ctx context.Context, workspaceID, id string, p feedwire.WebhookPatch, check func(before, after *feedwire.Webhook) error) (*feedwire.Webhook, error) {
	before, err := s.Webhook(ctx, workspaceID, id)
	if err != nil {
		return nil, err
	}
	after := *before
	if err := p.Apply(&after); err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(before, &after); err != nil {
			return nil, err
		}
	}
	after.UpdatedAt = s.clock()
	err = s.inTx(ctx, func(tx *txn) error {
		current, err := s.webhooks().get(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		if !current.UpdatedAt.Equal(before.UpdatedAt) {
			return feedwire.Conflict("webhook %s changed while this update was checked; try again", id)
		}
		// What attempts recorded since before was read stays; only reactivating starts
		// the endpoint's health afresh (WebhookPatch.Apply).
		after.LastStatus = current.LastStatus
		if reactivated := before.Status != feedwire.WebhookActive && after.Status == feedwire.WebhookActive; !reactivated {
			after.Health = current.Health
		}
		if err := writeWebhook(ctx, tx, &after); err != nil {
			return err
		}
		if err := setTopics(ctx, tx, &after); err != nil {
			return err
		}
		due := tx.deliveries
		if err := holdOrRelease(ctx, tx, before.Status, &after, after.UpdatedAt); err != nil {
			return err
		}
		if before.Ordering != feedwire.OrderingFIFO && after.Ordering == feedwire.OrderingFIFO {
			if err := inOrderFromNow(ctx, tx, after.ID); err != nil {
				return err
			}
		}
		// A webhook suspended, and perhaps paused since, keeps the suspension's reason
		// until it is active again.
		if before.StatusReason != nil && before.Status != feedwire.WebhookActive && after.Status == feedwire.WebhookActive {
			return recordRecovered(ctx, tx, &after, *before.StatusReason, tx.deliveries-due, after.UpdatedAt)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &after, nil
}

// writeWebhook stores every column of w, health included, but its secrets.
func writeWebhook(ctx context.Context, tx *txn, w *feedwire.Webhook) error {
	values, err := webhookValues(w)
	if err != nil {
		return err
	}
	h := w.Health
	var lastCode *int
	var lastMessage *string
	var lastAt *time.Time
	if w.LastStatus != nil {
		lastCode, lastMessage, lastAt = &w.LastStatus.Code, &w.LastStatus.Message, &w.LastStatus.At
	}
	// The keys are not set: setting a parent key, even to itself, makes SQLite visit
	// every delivery of the webhook for its foreign key.
	_, err = tx.ExecContext(ctx, `UPDATE webhooks SET name = ?, url = ?, description = ?,
		format = ?, status = ?, status_reason = ?, timeout_ms = ?, headers = ?, retry_schedule = ?,
		rate_per_second = ?, rate_burst = ?, filter = ?, template = ?, ordering = ?, last_status_code = ?,
		last_status_message = ?,
		last_status_at = ?, last_response_ms = ?, avg_response_ms = ?, last_success_at = ?,
		errors_since_last_success = ?, consecutive_failures = ?, failing_since = ?, updated_at = ?
		WHERE id = ?`,
		append(values, lastCode, lastMessage, nullMillis(lastAt), h.LastResponseTime.Milliseconds(),
			h.AvgResponseTime.Milliseconds(), nullMillis(h.LastSuccessAt), h.ErrorsSinceLastSuccess,
			h.ConsecutiveFailures, nullMillis(h.FailingSince), millis(w.UpdatedAt), w.ID)...)
	if err != nil {
		return fmt.Errorf("update webhook: %w", err)
	}
	return nil
}

// holdOrRelease keeps the queue in step with a webhook's status: the pending deliveries
// of a webhook that stops being active are held (no due time, so claims never scan
// them), and those of a webhook that becomes active are due at now.
func holdOrRelease(ctx context.Context, tx *txn, before feedwire.WebhookStatus, w *feedwire.Webhook, now time.Time) error {
	switch {
	case before == feedwire.WebhookActive && w.Status != feedwire.WebhookActive:
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET next_attempt_at = NULL
			WHERE webhook_id = ? AND status = 'pending' AND test = FALSE AND lease IS NULL`, w.ID)
		if err != nil {
			return fmt.Errorf("hold deliveries: %w", err)
		}
	case before != feedwire.WebhookActive && w.Status == feedwire.WebhookActive:
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET next_attempt_at = ?
			WHERE webhook_id = ? AND status = 'pending' AND next_attempt_at IS NULL`, millis(now), w.ID)
		if err != nil {
			return fmt.Errorf("release deliveries: %w", err)
		}
		n, _ := res.RowsAffected()
		tx.deliveries += int(n)
	}
	return nil
}

// DeleteWebhook removes a webhook with its deliveries, their attempts and its jobs.
func (s *Store) DeleteWebhook(ctx context.Context, workspaceID, id string) error {
	return s.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE workspace_id = ? AND id = ?`, workspaceID, id)
		if err != nil {
			return fmt.Errorf("delete webhook: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return feedwire.NotFound("no webhook with id %q", id)
		}
		return nil
	})
}

// RotateWebhookSecret replaces the webhook's secret with newSecret, which must suit the
// webhook's format; the old one stays valid for grace (not at all when grace is 0).
func (s *Store) RotateWebhookSecret(ctx context.Context, workspaceID, id string, grace time.Duration, newSecret string) (*feedwire.Webhook, error) {
	var w *feedwire.Webhook
	err := s.inTx(ctx, func(tx *txn) error {
		var err error
		if w, err = s.getWebhook(ctx, tx, workspaceID, id); err != nil {
			return err
		}
		if err := w.RotateSecret(newSecret, grace, s.clock()); err != nil {
			return err
		}
		if err := writeWebhook(ctx, tx, w); err != nil {
			return err
		}
		return s.writeSecrets(ctx, tx, w)
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// newObjectID returns 24 hexadecimal characters, the shape of Featurebase's ids
// (MongoDB ObjectIds): the creation time in seconds, then random bytes, so ids sort by
// creation time.
func newObjectID(now time.Time) string {
	b := make([]byte, 12)
	rand.Read(b[4:])
	binary.BigEndian.PutUint32(b, uint32(now.Unix()))
	return hex.EncodeToString(b)
}
