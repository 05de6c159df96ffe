package delivery

import (
	"context"
	"log/slog"
	"time"

	"github.com/feedwire/feedwire"
)

// JobStore is the part of the store that keeps jobs.
type JobStore interface {
	StartJob(ctx context.Context, workspaceID, webhookID string, kind feedwire.JobKind, since time.Time, until *time.Time) (*feedwire.Job, error)
	Job(ctx context.Context, workspaceID, id string) (*feedwire.Job, error)
	NextJob(ctx context.Context) (*feedwire.Job, error)
	RunJobBatch(ctx context.Context, jobID string, size int) (done bool, err error)
	FailJob(ctx context.Context, jobID string, reason error) error
}

// jobBatch is how many items a job does per transaction, and so how often its progress
// moves.
const jobBatch = 500

// Jobs runs recover and replay jobs one after the other, in the background, and
// implements feedwire.JobService. Jobs are rows in the store, so a job that a crash
// interrupts goes on from where it was at the next start.
type Jobs struct {
	store  JobStore
	logger *slog.Logger
	wake   chan struct{}
}

var _ feedwire.JobService = (*Jobs)(nil)

// NewJobs returns a job runner over the store.
func NewJobs(store JobStore, logger *slog.Logger) *Jobs {
	return &Jobs{store: store, logger: logger, wake: make(chan struct{}, 1)}
}

// StartJob queues a job and wakes the runner.
func (j *Jobs) StartJob(ctx context.Context, workspaceID, webhookID string, kind feedwire.JobKind, since time.Time, until *time.Time) (*feedwire.Job, error) {
	job, err := j.store.StartJob(ctx, workspaceID, webhookID, kind, since, until)
	if err != nil {
		return nil, err
	}
	select {
	case j.wake <- struct{}{}:
	default:
	}
	return job, nil
}

// Job returns one job.
func (j *Jobs) Job(ctx context.Context, workspaceID, id string) (*feedwire.Job, error) {
	return j.store.Job(ctx, workspaceID, id)
}

// Run runs jobs until ctx is done.
func (j *Jobs) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		job, err := j.store.NextJob(ctx)
		if err != nil {
			j.logger.Error("next job", "error", err)
		}
		if job == nil || err != nil {
			select {
			case <-ctx.Done():
			case <-j.wake:
			case <-time.After(time.Minute):
			}
			continue
		}
		j.run(ctx, job)
	}
	return nil
}

// run works through one job batch by batch.
func (j *Jobs) run(ctx context.Context, job *feedwire.Job) {
	for ctx.Err() == nil {
		done, err := j.store.RunJobBatch(ctx, job.ID, jobBatch)
		if err != nil {
			if ctx.Err() != nil {
				return // interrupted; the job goes on at the next start
			}
			j.logger.Error("job failed", "job", job.ID, "kind", job.Kind, "error", err)
			if err := j.store.FailJob(context.WithoutCancel(ctx), job.ID, err); err != nil {
				j.logger.Error("mark job failed", "job", job.ID, "error", err)
			}
			return
		}
		if done {
			j.logger.Info("job done", "job", job.ID, "kind", job.Kind, "webhook", job.WebhookID)
			return
		}
	}
}
