package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

// The operational events are recorded like any other, by the transaction that makes
// the change they report: a webhook.suspended commits with the suspension, or neither
// does, and its deliveries to the workspace's operational webhooks are queued with it.

// suspension is the webhook.suspended event of a webhook, built when it is suspended
// (so that it shows the attempt that did it) and recorded once the webhook is written.
type suspension struct {
	ev                     *feedwire.Event
	workspaceID, webhookID string
	at                     time.Time
}

func newSuspension(w *feedwire.Webhook, at time.Time) (suspension, error) {
	ev, err := wire.WebhookSuspendedEvent(w, at)
	return suspension{ev: ev, workspaceID: w.WorkspaceID, webhookID: w.ID, at: at}, err
}

func (s suspension) record(ctx context.Context, tx *txn) error {
	return recordEvent(ctx, tx, s.ev, s.workspaceID, s.webhookID, s.at)
}

// recordRecovered records webhook.recovered for w, made active at now after a
// suspension for reason, which released that many held deliveries.
func recordRecovered(ctx context.Context, tx *txn, w *feedwire.Webhook, reason string, released int, now time.Time) error {
	ev, err := wire.WebhookRecoveredEvent(w, reason, released, now)
	if err != nil {
		return err
	}
	return recordEvent(ctx, tx, ev, w.WorkspaceID, w.ID, now)
}

// recordDeliveriesFailed records delivery.failed for each result that failed its
// delivery for good, once updateAttempted applied it: a result whose delivery another
// claim took meanwhile failed nothing. A delivery of a test event or of an operational
// event reports nothing: an operational webhook that fails must not feed itself events.
func recordDeliveriesFailed(ctx context.Context, tx *txn, results []*feedwire.AttemptResult, webhooks map[string]*feedwire.Webhook, now time.Time) error {
	for _, r := range results {
		d, a := &r.Claim.Delivery, &r.Attempt
		if a.Outcome != feedwire.OutcomeFailed || d.Test || d.EventType.Operational() {
			continue
		}
		var applied int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM deliveries WHERE id = ? AND status = 'failed' AND attempts = ?
			AND last_attempt_at = ?`, storedID(d.ID), a.Number, millis(a.StartedAt)).Scan(&applied)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("delivery.failed: %w", err)
		}
		ev, err := wire.DeliveryFailedEvent(d, webhooks[d.WebhookID], a)
		if err != nil {
			return err
		}
		if err := recordEvent(ctx, tx, ev, d.WorkspaceID, d.ID, now); err != nil {
			return err
		}
	}
	return nil
}

// recordJobFinished records job.finished for j, which has just ended.
func recordJobFinished(ctx context.Context, tx *txn, j *feedwire.Job) error {
	ev, err := wire.JobFinishedEvent(j)
	if err != nil {
		return err
	}
	return recordEvent(ctx, tx, ev, j.WorkspaceID, j.ID, *j.FinishedAt)
}
