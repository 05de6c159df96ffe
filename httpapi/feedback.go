package httpapi

import (
	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
	"github.com/feedwire/feedwire/wire"
)

// feedbackBody is feedback as the API shows it: the data of its webhook events, and its
// object name.
type feedbackBody struct {
	Object string `json:"object" enum:"feedback"`
	webhook.Feedback
}

func newFeedbackBody(f *feedwire.Feedback) feedbackBody {
	return feedbackBody{Object: "feedback", Feedback: wire.HarvestrFeedback(f)}
}

type createFeedbackInput struct {
	Body struct {
		MessageID   string  `json:"messageId"`
		DiscoveryID string  `json:"discoveryId"`
		Score       float64 `json:"score" minimum:"0" doc:"How much the feedback matters, 0 or more"`
		Starred     bool    `json:"starred,omitempty"`
		RequesterID *string `json:"requesterId,omitempty" doc:"Defaults to the message's requester"`
		SubmitterID *string `json:"submitterId,omitempty" doc:"Defaults to the message's submitter"`
	}
}

func (in *createFeedbackInput) input() feedwire.FeedbackInput {
	b := in.Body
	return feedwire.FeedbackInput{MessageID: b.MessageID, DiscoveryID: b.DiscoveryID, Score: b.Score,
		Starred: b.Starred, RequesterID: b.RequesterID, SubmitterID: b.SubmitterID}
}

type feedbackPatchBody struct {
	MessageID   patchField[string]  `json:"messageId,omitzero"`
	DiscoveryID patchField[string]  `json:"discoveryId,omitzero"`
	Score       patchField[float64] `json:"score,omitzero" minimum:"0"`
	Starred     patchField[bool]    `json:"starred,omitzero"`
	RequesterID patchField[string]  `json:"requesterId,omitzero" nullable:"true"`
	SubmitterID patchField[string]  `json:"submitterId,omitzero" nullable:"true"`
}

func (b feedbackPatchBody) patch() feedwire.FeedbackPatch {
	return feedwire.FeedbackPatch{MessageID: b.MessageID.field(), DiscoveryID: b.DiscoveryID.field(),
		Score: b.Score.field(), Starred: b.Starred.field(), RequesterID: b.RequesterID.field(), SubmitterID: b.SubmitterID.field()}
}
