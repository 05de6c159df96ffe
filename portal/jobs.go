package portal

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/feedwire/feedwire"
)

// inputTimeLayout is how a datetime-local input writes a time; the portal reads it
// as UTC, and says so beside each such input.
const inputTimeLayout = "2006-01-02T15:04"

// badInputTime is the problem of a time that parseInputTime cannot read.
const badInputTime = "must be a date and time such as 2025-01-15T14:30 (UTC)"

// parseInputTime reads a datetime-local input; empty is the zero time.
func parseInputTime(value string) (time.Time, bool) {
	if value == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(inputTimeLayout, value)
	if err != nil {
		// Browsers add seconds when the input's step asks for them.
		if t, err = time.Parse(inputTimeLayout+":05", value); err != nil {
			return time.Time{}, false
		}
	}
	return t.UTC(), true
}

// startJob starts a recover or replay of the webhook and shows its progress.
func (p *portal) startJob(kind feedwire.JobKind) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, s *session) error {
		var problems feedwire.Problems
		since, ok := parseInputTime(r.PostForm.Get("since"))
		if !ok {
			problems.Add("since", badInputTime)
		} else if since.IsZero() {
			problems.Add("since", "is required: from when to "+string(kind))
		}
		until, ok := parseInputTime(r.PostForm.Get("until"))
		if !ok {
			problems.Add("until", badInputTime)
		}
		if err := problems.Err(); err != nil {
			return err
		}
		var untilPtr *time.Time
		if !until.IsZero() {
			untilPtr = &until
		}
		job, err := p.Jobs.StartJob(r.Context(), s.workspaceID, r.PathValue("id"), kind, since, untilPtr)
		if err != nil {
			return err
		}
		http.Redirect(w, r, "/jobs/"+job.ID, http.StatusSeeOther)
		return nil
	}
}

type jobView struct {
	Job     *feedwire.Job
	Webhook *feedwire.Webhook
	Done    bool
}

func (p *portal) jobPage(w http.ResponseWriter, r *http.Request, s *session) error {
	job, err := p.Jobs.Job(r.Context(), s.workspaceID, r.PathValue("id"))
	if err != nil {
		return err
	}
	hook, err := p.Webhooks.Webhook(r.Context(), s.workspaceID, job.WebhookID)
	if err != nil {
		return err
	}
	p.render(w, r, s, http.StatusOK, "job", "A "+string(job.Kind)+" of "+hook.Name, jobView{Job: job, Webhook: hook, Done: job.Status.Finished()})
	return nil
}

// jobProgress is what the job page polls: where the job stands, as JSON.
func (p *portal) jobProgress(w http.ResponseWriter, r *http.Request, s *session) error {
	job, err := p.Jobs.Job(r.Context(), s.workspaceID, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(map[string]any{
		"status": job.Status, "total": job.Total, "processed": job.Processed, "error": job.Error,
		"done": job.Status.Finished(),
	})
}
