package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/feedwire/feedwire"
)

var jobs = table[feedwire.Job]{
	name: "jobs",
	what: "job",
	columns: `id, workspace_id, webhook_id, kind, since, until, status, total, processed, error,
		created_at, updated_at, finished_at`,
	scan: func(row scanner) (*feedwire.Job, error) {
		var j feedwire.Job
		err := row.Scan(&j.ID, &j.WorkspaceID, &j.WebhookID, &j.Kind, timeColumn{&j.Since}, nullTimeColumn{&j.Until},
			&j.Status, &j.Total, &j.Processed, &j.Error, timeColumn{&j.CreatedAt}, timeColumn{&j.UpdatedAt},
			nullTimeColumn{&j.FinishedAt})
		return &j, err
	},
	id: func(j *feedwire.Job) string { return j.ID },
}

// StartJob queues a recover or replay of a webhook over [since, until). An open-ended
// range ends when the job is queued, this millisecond included, so that it finishes and
// takes in everything committed before it.
func (s *Store) StartJob(ctx context.Context, workspaceID, webhookID string, kind feedwire.JobKind, since time.Time, until *time.Time) (*feedwire.Job, error) {
	if kind != feedwire.JobRecover && kind != feedwire.JobReplay {
		return nil, feedwire.Invalid("kind", "must be recover or replay")
	}
	now := s.clock()
	if until == nil {
		end := now.Add(feedwire.TimePrecision)
		until = &end
	}
	if !since.Before(*until) {
		return nil, feedwire.Invalid("since", "must be before until")
	}
	j := &feedwire.Job{
		ID: newID(now), WorkspaceID: workspaceID, WebhookID: webhookID, Kind: kind, Since: since, Until: until,
		Status: feedwire.JobQueued, CreatedAt: now, UpdatedAt: now,
	}
	err := s.inTx(ctx, func(tx *txn) error {
		if _, err := s.webhooks().get(ctx, tx, workspaceID, webhookID); err != nil {
			return err
		}
		total, err := countJob(ctx, tx, j)
		if err != nil {
			return err
		}
		j.Total = total
		_, err = tx.ExecContext(ctx, `INSERT INTO jobs (id, workspace_id, webhook_id, kind, since, until, status, total,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, j.ID, j.WorkspaceID, j.WebhookID, j.Kind,
			millis(j.Since), millis(*j.Until), j.Status, j.Total, millis(now), millis(now))
		if err != nil {
			return fmt.Errorf("queue job: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return j, nil
}

// Job returns one job of the workspace.
func (s *Store) Job(ctx context.Context, workspaceID, id string) (*feedwire.Job, error) {
	return jobs.get(ctx, s.read, workspaceID, id)
}

// NextJob returns the oldest unfinished job, or nil when there is none. On SQLite one
// process runs every job, so a job still marked running was stopped by a crash and goes
// on from where it was.
func (s *Store) NextJob(ctx context.Context) (*feedwire.Job, error) {
	j, err := jobs.scan(s.read.QueryRowContext(ctx, `SELECT `+jobs.columns+` FROM jobs
		WHERE status IN ('queued', 'running') ORDER BY created_at, id LIMIT 1`))
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, fmt.Errorf("next job: %w", err)
	}
	return j, nil
}

// jobQueries are the SQL of each kind of job: what it counts and walks, in id order from
// a position, over the webhook's (?1) range [?2, ?3).
var jobQueries = map[feedwire.JobKind]struct{ count, batch string }{
	// A replay sends again every event of the range the webhook subscribes to.
	feedwire.JobReplay: {
		count: `SELECT count(*) FROM events e JOIN webhook_topics t ON t.topic = e.type AND t.webhook_id = ?
			WHERE e.workspace_id = ? AND e.test = FALSE AND e.created_at >= ? AND e.created_at < ?`,
		batch: `SELECT e.id FROM events e JOIN webhook_topics t ON t.topic = e.type AND t.webhook_id = ?
			WHERE e.workspace_id = ? AND e.test = FALSE AND e.created_at >= ? AND e.created_at < ? AND e.id > ?
			ORDER BY e.id LIMIT ?`,
	},
	// A recover brings the webhook what it did not get from the events of the range it
	// subscribes to: their failed deliveries are due again, and the events it has no
	// delivery of, though it existed, get one (those of a pause or a suspension).
	feedwire.JobRecover: {
		count: `SELECT count(*) FROM events e JOIN webhook_topics t ON t.topic = e.type AND t.webhook_id = ?
			JOIN webhooks w ON w.id = t.webhook_id
			WHERE e.workspace_id = ? AND e.test = FALSE AND e.created_at >= ? AND e.created_at < ? AND ` + unreceived,
		batch: `SELECT e.id FROM events e JOIN webhook_topics t ON t.topic = e.type AND t.webhook_id = ?
			JOIN webhooks w ON w.id = t.webhook_id
			WHERE e.workspace_id = ? AND e.test = FALSE AND e.created_at >= ? AND e.created_at < ? AND ` + unreceived + `
			AND e.id > ? ORDER BY e.id LIMIT ?`,
	},
}

// unreceived is the condition on an event e and a webhook w that a recover brings: a
// failed delivery, or none since the webhook existed.
const unreceived = `(EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.webhook_id = w.id AND d.status = 'failed')
	OR (e.created_at >= w.created_at AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.webhook_id = w.id)))`

func countJob(ctx context.Context, tx *txn, j *feedwire.Job) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, jobQueries[j.Kind].count, j.WebhookID, j.WorkspaceID, millis(j.Since), millis(*j.Until)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count job: %w", err)
	}
	return n, nil
}

// RunJobBatch does the next batch of up to size items of a job in one transaction and
// records its progress. It reports whether the job is finished.
func (s *Store) RunJobBatch(ctx context.Context, jobID string, size int) (done bool, err error) {
	err = s.inTx(ctx, func(tx *txn) error {
		var position string
		j, err := jobs.scan(tx.QueryRowContext(ctx, `SELECT `+jobs.columns+` FROM jobs WHERE id = ?`, jobID))
		if err == nil {
			err = tx.QueryRowContext(ctx, `SELECT position FROM jobs WHERE id = ?`, jobID).Scan(&position)
		}
		if err != nil {
			return fmt.Errorf("job %s: %w", jobID, err)
		}
		if j.Status.Finished() {
			done = true // another runner finished it meanwhile (two leaders for a moment)
			return nil
		}
		ids, err := jobBatch(ctx, tx, j, position, size)
		if err != nil {
			return err
		}
		now := s.clock()
		if err := applyJob(ctx, tx, j, ids, now); err != nil {
			return err
		}
		done = len(ids) < size
		status, finished := feedwire.JobRunning, (*time.Time)(nil)
		if done {
			status, finished = feedwire.JobSucceeded, &now
		}
		if len(ids) > 0 {
			position = ids[len(ids)-1]
		}
		_, err = tx.ExecContext(ctx, `UPDATE jobs SET status = ?, processed = processed + ?, position = ?,
			updated_at = ?, finished_at = ? WHERE id = ?`, status, len(ids), position, millis(now), nullMillis(finished), jobID)
		if err != nil || !done {
			return err
		}
		j.Status, j.Processed, j.UpdatedAt, j.FinishedAt = status, j.Processed+len(ids), now, finished
		return recordJobFinished(ctx, tx, j)
	})
	return done, err
}

func jobBatch(ctx context.Context, tx *txn, j *feedwire.Job, position string, size int) ([]string, error) {
	rows, err := tx.QueryContext(ctx, jobQueries[j.Kind].batch, j.WebhookID, j.WorkspaceID, millis(j.Since),
		millis(*j.Until), position, size)
	if err != nil {
		return nil, fmt.Errorf("job batch: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("job batch: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// applyJob queues a delivery of each event of the batch to the webhook, or, for a
// recover, requeues its failed ones. They are due now if the webhook is active, held
// otherwise.
func applyJob(ctx context.Context, tx *txn, j *feedwire.Job, ids []string, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	var status feedwire.WebhookStatus
	var filter *string
	var ordering feedwire.Ordering
	if err := tx.QueryRowContext(ctx, `SELECT status, filter, ordering FROM webhooks WHERE id = ?`, j.WebhookID).Scan(&status, &filter, &ordering); err != nil {
		return fmt.Errorf("job webhook: %w", err)
	}
	due := &now
	if status != feedwire.WebhookActive {
		due = nil
	}
	for _, eventID := range ids {
		if j.Kind == feedwire.JobRecover {
			recovered, err := recoverFailed(ctx, tx, j.WebhookID, eventID, pendingAgainSeq(ordering), due, now)
			if err != nil {
				return err
			}
			if recovered {
				continue
			}
			// The event has no failed delivery, so the webhook has none of it: queue one.
		}
		ev, err := events.get(ctx, tx, j.WorkspaceID, eventID)
		if err != nil {
			return fmt.Errorf("%s: %w", j.Kind, err)
		}
		// A replay sends, and a recover sends what was missed, of the events the
		// webhook's filter passes: a filtered-out event was never missed.
		pass, err := passesFilter(tx, filter, &filterInput{ev: ev})
		if err != nil {
			return fmt.Errorf("%s: filter: %w", j.Kind, err)
		}
		if !pass {
			continue
		}
		if err := insertDelivery(ctx, tx, ev, j.WebhookID, now, due, false, ordering == feedwire.OrderingFIFO); err != nil {
			return err
		}
	}
	return nil
}

// recoverFailed makes the webhook's failed deliveries of an event pending again, due at
// due, numbered seq if they have no number (pendingAgainSeq), and reports whether
// there were any.
func recoverFailed(ctx context.Context, tx *txn, webhookID, eventID string, seq *int64, due *time.Time, now time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'pending', next_attempt_at = ?, lease = NULL,
		fifo_seq = COALESCE(fifo_seq, ?), updated_at = ? WHERE webhook_id = ? AND event_id = ? AND status = 'failed'`,
		nullMillis(due), seq, millis(now), webhookID, eventID)
	if err != nil {
		return false, fmt.Errorf("recover: %w", err)
	}
	n, _ := res.RowsAffected()
	if due != nil {
		tx.deliveries += int(n)
	}
	return n > 0, nil
}

// FailJob marks a job failed with the reason. A job that is gone (its webhook was
// deleted) or has already finished is left as it is.
func (s *Store) FailJob(ctx context.Context, jobID string, reason error) error {
	return s.inTx(ctx, func(tx *txn) error {
		j, err := jobs.scan(tx.QueryRowContext(ctx, `SELECT `+jobs.columns+` FROM jobs WHERE id = ?`, jobID))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("job %s: %w", jobID, err)
		}
		if j.Status.Finished() {
			return nil
		}
		now := s.clock()
		msg := reason.Error()
		_, err = tx.ExecContext(ctx, `UPDATE jobs SET status = 'failed', error = ?, updated_at = ?, finished_at = ?
			WHERE id = ?`, msg, millis(now), millis(now), jobID)
		if err != nil {
			return err
		}
		j.Status, j.Error, j.UpdatedAt, j.FinishedAt = feedwire.JobFailed, &msg, now, &now
		return recordJobFinished(ctx, tx, j)
	})
}
