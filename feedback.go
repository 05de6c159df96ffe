package feedwire

import (
	"context"
	"time"
)

// Feedback links a message to the discovery it supports, with a score saying how much it
// matters.
type Feedback struct {
	ID          string
	ClientID    string // "fb_…"
	WorkspaceID string
	Starred     bool
	Score       float64
	MessageID   string
	DiscoveryID string
	// RequesterID and SubmitterID default to the message's when a create leaves them out.
	RequesterID *string
	SubmitterID *string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// FeedbackInput is what creating feedback takes.
type FeedbackInput struct {
	MessageID   string
	DiscoveryID string
	Score       float64
	Starred     bool
	RequesterID *string
	SubmitterID *string
}

// Feedback returns the feedback the input describes, not yet stored.
func (in FeedbackInput) Feedback() Feedback {
	return Feedback{
		MessageID: in.MessageID, DiscoveryID: in.DiscoveryID, Score: in.Score,
		Starred: in.Starred, RequesterID: in.RequesterID, SubmitterID: in.SubmitterID,
	}
}

// FeedbackPatch is a partial update of feedback.
type FeedbackPatch struct {
	MessageID   Field[string]
	DiscoveryID Field[string]
	Score       Field[float64]
	Starred     Field[bool]
	RequesterID Field[string]
	SubmitterID Field[string]
}

// Apply applies the patch to f and validates the result.
func (p FeedbackPatch) Apply(f *Feedback) error {
	var problems Problems
	applyRequired(p.MessageID, &f.MessageID, "messageId", &problems)
	applyRequired(p.DiscoveryID, &f.DiscoveryID, "discoveryId", &problems)
	applyRequired(p.Score, &f.Score, "score", &problems)
	applyRequired(p.Starred, &f.Starred, "starred", &problems)
	applyOptional(p.RequesterID, &f.RequesterID)
	applyOptional(p.SubmitterID, &f.SubmitterID)
	if err := problems.Err(); err != nil {
		return err
	}
	return f.Validate()
}

// Validate reports every field of f that is not valid. References are checked by the
// store.
func (f *Feedback) Validate() error {
	var p Problems
	checkID(&p, "messageId", f.MessageID)
	checkID(&p, "discoveryId", f.DiscoveryID)
	checkScore(&p, "score", f.Score)
	return p.Err()
}

// FeedbackService stores feedback. Every create and every update that changes something
// commits a FEEDBACK_CREATED or FEEDBACK_UPDATED event with it.
type FeedbackService interface {
	CreateFeedback(ctx context.Context, workspaceID string, in FeedbackInput) (*Feedback, error)
	Feedback(ctx context.Context, workspaceID, id string) (*Feedback, error)
	FeedbackList(ctx context.Context, workspaceID string, p ListParams) (*Page[Feedback], error)
	UpdateFeedback(ctx context.Context, workspaceID, id string, p FeedbackPatch) (*Feedback, error)
}
