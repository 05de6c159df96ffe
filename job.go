package feedwire

import (
	"context"
	"time"
)

// JobKind names a bulk operation.
type JobKind string

// The job kinds.
const (
	// JobRecover brings the webhook what it missed of a time range: its failed
	// deliveries are due again, and the events it has no delivery of since it existed
	// (those of a pause or a suspension) get one.
	JobRecover JobKind = "recover"
	// JobReplay queues a new delivery to the webhook of every event of a time range
	// that it subscribes to, including events from before it existed or while it was
	// paused.
	JobReplay JobKind = "replay"
)

// JobStatus is where a job stands.
type JobStatus string

// The job statuses.
const (
	JobQueued    JobStatus = "queued"
	JobRunning   JobStatus = "running"
	JobSucceeded JobStatus = "succeeded"
	JobFailed    JobStatus = "failed"
)

// Finished reports whether a job of status s has ended, succeeded or failed.
func (s JobStatus) Finished() bool {
	return s == JobSucceeded || s == JobFailed
}

// Job is a bulk operation that runs in the background and reports its progress.
type Job struct {
	ID          string
	WorkspaceID string
	WebhookID   string
	Kind        JobKind
	Since       time.Time
	Until       *time.Time // now when the job starts, if nil
	Status      JobStatus
	Total       int // known once the job runs
	Processed   int
	Error       *string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	FinishedAt  *time.Time
}

// JobService starts bulk operations and reports on them.
type JobService interface {
	// StartJob queues a recover or replay of the webhook over [since, until).
	StartJob(ctx context.Context, workspaceID, webhookID string, kind JobKind, since time.Time, until *time.Time) (*Job, error)
	Job(ctx context.Context, workspaceID, id string) (*Job, error)
}
