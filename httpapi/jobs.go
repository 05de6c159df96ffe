package httpapi

import (
	"context"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// jobBody is a background job and its progress.
type jobBody struct {
	Object     string        `json:"object" enum:"job"`
	ID         string        `json:"id"`
	Kind       string        `json:"kind" enum:"recover,replay"`
	WebhookID  string        `json:"webhookId"`
	Since      webhook.Time  `json:"since"`
	Until      *webhook.Time `json:"until" nullable:"true"`
	Status     string        `json:"status" enum:"queued,running,succeeded,failed"`
	Total      int           `json:"total" doc:"Events to recover or to replay"`
	Processed  int           `json:"processed"`
	Error      *string       `json:"error" nullable:"true"`
	CreatedAt  webhook.Time  `json:"createdAt"`
	UpdatedAt  webhook.Time  `json:"updatedAt"`
	FinishedAt *webhook.Time `json:"finishedAt" nullable:"true"`
}

func newJobBody(j *feedwire.Job) jobBody {
	return jobBody{
		Object: "job", ID: j.ID, Kind: string(j.Kind), WebhookID: j.WebhookID, Since: webhook.NewTime(j.Since),
		Until: webhook.NewTimePtr(j.Until), Status: string(j.Status), Total: j.Total, Processed: j.Processed,
		Error: j.Error, CreatedAt: webhook.NewTime(j.CreatedAt), UpdatedAt: webhook.NewTime(j.UpdatedAt),
		FinishedAt: webhook.NewTimePtr(j.FinishedAt),
	}
}

type startJobInput struct {
	ID   string `path:"id"`
	Body struct {
		Since time.Time  `json:"since" doc:"Start of the range (RFC 3339)"`
		Until *time.Time `json:"until,omitempty" doc:"End of the range, exclusive; now when left out"`
	}
}

func startJob(svc feedwire.JobService, kind feedwire.JobKind) handler[startJobInput, output[jobBody]] {
	return func(ctx context.Context, workspaceID string, in *startJobInput) (*output[jobBody], error) {
		j, err := svc.StartJob(ctx, workspaceID, in.ID, kind, in.Body.Since, utc(in.Body.Until))
		if err != nil {
			return nil, err
		}
		return &output[jobBody]{newJobBody(j)}, nil
	}
}

func getJob(svc feedwire.JobService) handler[idInput, output[jobBody]] {
	return func(ctx context.Context, workspaceID string, in *idInput) (*output[jobBody], error) {
		j, err := svc.Job(ctx, workspaceID, in.ID)
		if err != nil {
			return nil, err
		}
		return &output[jobBody]{newJobBody(j)}, nil
	}
}
