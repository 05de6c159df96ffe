package httpapi

import (
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
	"github.com/feedwire/feedwire/wire"
)

// messageBody is a message as the API shows it: the data of its webhook events, and
// its object name.
type messageBody struct {
	Object string `json:"object" enum:"message"`
	webhook.Message
}

func newMessageBody(m *feedwire.Message) messageBody {
	return messageBody{Object: "message", Message: wire.HarvestrMessage(m)}
}

// channel is the channel member of a request body. Its schema lists feedwire.Channels,
// so the OpenAPI document and the validation follow the domain's list.
type channel feedwire.Channel

// Schema describes a channel as one of feedwire.Channels.
func (channel) Schema(huma.Registry) *huma.Schema {
	values := make([]any, len(feedwire.Channels))
	for i, c := range feedwire.Channels {
		values[i] = string(c)
	}
	return &huma.Schema{Type: "string", Enum: values, Description: "Where the message came from"}
}

type createMessageInput struct {
	Body struct {
		Title          string     `json:"title"`
		Content        string     `json:"content"`
		Channel        channel    `json:"channel"`
		RequesterID    string     `json:"requesterId" doc:"The user the feedback comes from"`
		SubmitterID    string     `json:"submitterId" doc:"The user who entered it"`
		AssigneeID     *string    `json:"assigneeId,omitempty"`
		ReceivedAt     *time.Time `json:"receivedAt,omitempty" doc:"When the channel received it"`
		IntegrationURL *string    `json:"integrationUrl,omitempty" doc:"The message in the source integration"`
		IntegrationID  *string    `json:"integrationId,omitempty" doc:"The message's id in the source integration"`
	}
}

func (in *createMessageInput) input() feedwire.MessageInput {
	b := in.Body
	return feedwire.MessageInput{
		Title: b.Title, Content: b.Content, Channel: feedwire.Channel(b.Channel), RequesterID: b.RequesterID, SubmitterID: b.SubmitterID,
		AssigneeID: b.AssigneeID, ReceivedAt: utc(b.ReceivedAt), IntegrationURL: b.IntegrationURL, IntegrationID: b.IntegrationID,
	}
}

type messagePatchBody struct {
	Title          patchField[string]    `json:"title,omitzero"`
	Content        patchField[string]    `json:"content,omitzero" doc:"Changing the title or content makes the message updated"`
	Channel        patchField[channel]   `json:"channel,omitzero"`
	Read           patchField[bool]      `json:"read,omitzero"`
	Archived       patchField[bool]      `json:"archived,omitzero"`
	Bin            patchField[bool]      `json:"bin,omitzero"`
	RequesterID    patchField[string]    `json:"requesterId,omitzero"`
	SubmitterID    patchField[string]    `json:"submitterId,omitzero"`
	AssigneeID     patchField[string]    `json:"assigneeId,omitzero" nullable:"true"`
	ReceivedAt     patchField[time.Time] `json:"receivedAt,omitzero" nullable:"true"`
	IntegrationURL patchField[string]    `json:"integrationUrl,omitzero" nullable:"true"`
	IntegrationID  patchField[string]    `json:"integrationId,omitzero" nullable:"true"`
}

func (b messagePatchBody) patch() feedwire.MessagePatch {
	ch := b.Channel.field()
	receivedAt := b.ReceivedAt.field()
	receivedAt.Value = receivedAt.Value.UTC().Truncate(feedwire.TimePrecision)
	return feedwire.MessagePatch{
		Title: b.Title.field(), Content: b.Content.field(), Channel: feedwire.Field[feedwire.Channel]{Set: ch.Set, Null: ch.Null, Value: feedwire.Channel(ch.Value)},
		Read: b.Read.field(), Archived: b.Archived.field(), Bin: b.Bin.field(),
		RequesterID: b.RequesterID.field(), SubmitterID: b.SubmitterID.field(), AssigneeID: b.AssigneeID.field(),
		ReceivedAt: receivedAt, IntegrationURL: b.IntegrationURL.field(), IntegrationID: b.IntegrationID.field(),
	}
}

// utc returns a client's time in UTC at the precision feedwire keeps, so that what is
// stored, served and delivered is the same instant written the same way.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC().Truncate(feedwire.TimePrecision)
	return &v
}
