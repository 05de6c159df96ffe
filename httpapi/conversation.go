package httpapi

import (
	"context"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
	"github.com/feedwire/feedwire/wire"
)

// conversationBody is a conversation as the API shows it: the item of its webhook
// events.
type conversationBody struct{ webhook.Conversation }

func newConversationBody(c *feedwire.Conversation) conversationBody {
	return conversationBody{wire.FeaturebaseConversation(c)}
}

// partBody is a conversation part as the API shows it: the item of its webhook events.
// It is the webhook type itself, so that the OpenAPI document has one schema of a part.
type partBody = webhook.ConversationPart

func newPartBody(p *feedwire.ConversationPart) partBody {
	return wire.FeaturebasePart(p)
}

type createConversationInput struct {
	Body struct {
		Title        string             `json:"title"`
		ContactID    string             `json:"contactId" doc:"The contact (a customer or lead) starting the conversation"`
		BodyMarkdown string             `json:"bodyMarkdown" doc:"The first message"`
		BotState     *feedwire.BotState `json:"botConversationState,omitempty" enum:"active" doc:"active when the workspace's AI agent answers the conversation; it can later hand it off to a human"`
	}
}

func (in *createConversationInput) input() feedwire.ConversationInput {
	return feedwire.ConversationInput{Title: in.Body.Title, ContactID: in.Body.ContactID, BodyMarkdown: in.Body.BodyMarkdown,
		BotState: in.Body.BotState}
}

type conversationPatchBody struct {
	State           patchField[feedwire.ConversationState] `json:"state,omitzero" enum:"open,closed,snoozed"`
	SnoozedUntil    patchField[time.Time]                  `json:"snoozedUntil,omitzero" doc:"Required with state snoozed: when the conversation reopens by itself"`
	Priority        patchField[bool]                       `json:"priority,omitzero"`
	AdminAssigneeID patchField[string]                     `json:"adminAssigneeId,omitzero" nullable:"true" doc:"An admin user; null unassigns"`
	TeamAssigneeID  patchField[string]                     `json:"teamAssigneeId,omitzero" nullable:"true" doc:"A team's id; null unassigns"`
	BotState        patchField[feedwire.BotState]          `json:"botConversationState,omitzero" enum:"handed_off_to_human" doc:"The AI agent hands the conversation off to a human (conversation.handover_requested); no other bot state can be set"`
}

func (b conversationPatchBody) patch() feedwire.ConversationPatch {
	return feedwire.ConversationPatch{
		State: b.State.field(), SnoozedUntil: b.SnoozedUntil.field(), Priority: b.Priority.field(),
		AdminAssigneeID: b.AdminAssigneeID.field(), TeamAssigneeID: b.TeamAssigneeID.field(), BotState: b.BotState.field(),
	}
}

type addPartInput struct {
	ID   string `path:"id"`
	Body struct {
		PartType     feedwire.PartType `json:"partType" enum:"user_msg,email_msg,admin_msg,bot_msg,admin_note"`
		AuthorID     string            `json:"authorId" doc:"Contacts (customers and leads) write user_msg and email_msg; admins admin_msg, email_msg and admin_note; bots bot_msg"`
		BodyMarkdown string            `json:"bodyMarkdown"`
	}
}

func addPart(svc feedwire.ConversationService) handler[addPartInput, output[partBody]] {
	return func(ctx context.Context, workspaceID string, in *addPartInput) (*output[partBody], error) {
		p, err := svc.AddPart(ctx, workspaceID, in.ID, feedwire.PartInput{
			Type: in.Body.PartType, AuthorID: in.Body.AuthorID, BodyMarkdown: in.Body.BodyMarkdown,
		})
		if err != nil {
			return nil, err
		}
		return &output[partBody]{newPartBody(p)}, nil
	}
}

type conversationPartListBody struct {
	Object string     `json:"object" enum:"list"`
	Data   []partBody `json:"data"`
}

func listParts(svc feedwire.ConversationService) handler[idInput, output[conversationPartListBody]] {
	return func(ctx context.Context, workspaceID string, in *idInput) (*output[conversationPartListBody], error) {
		parts, err := svc.Parts(ctx, workspaceID, in.ID)
		if err != nil {
			return nil, err
		}
		body := conversationPartListBody{Object: "list", Data: make([]partBody, len(parts))}
		for i := range parts {
			body.Data[i] = newPartBody(&parts[i])
		}
		return &output[conversationPartListBody]{body}, nil
	}
}

type partInput struct {
	ID     string `path:"id"`
	PartID string `path:"partId"`
}

func redactPart(svc feedwire.ConversationService) handler[partInput, output[partBody]] {
	return func(ctx context.Context, workspaceID string, in *partInput) (*output[partBody], error) {
		p, err := svc.RedactPart(ctx, workspaceID, in.ID, in.PartID)
		if err != nil {
			return nil, err
		}
		return &output[partBody]{newPartBody(p)}, nil
	}
}

// conversationUserInput names a user in the body, for attaching and read receipts.
type conversationUserInput struct {
	ID   string `path:"id"`
	Body struct {
		UserID string `json:"userId"`
	}
}

// userPathInput names a user in the path, for detaching.
type userPathInput struct {
	ID     string `path:"id"`
	UserID string `path:"userId"`
}

// conversationAction answers a route that changes a conversation for a user with the
// conversation after the change.
func conversationAction(change func(ctx context.Context, workspaceID, conversationID, userID string) (*feedwire.Conversation, error)) handler[conversationUserInput, output[conversationBody]] {
	return func(ctx context.Context, workspaceID string, in *conversationUserInput) (*output[conversationBody], error) {
		c, err := change(ctx, workspaceID, in.ID, in.Body.UserID)
		if err != nil {
			return nil, err
		}
		return &output[conversationBody]{newConversationBody(c)}, nil
	}
}

func detachParticipant(svc feedwire.ConversationService) handler[userPathInput, output[conversationBody]] {
	return func(ctx context.Context, workspaceID string, in *userPathInput) (*output[conversationBody], error) {
		c, err := svc.DetachParticipant(ctx, workspaceID, in.ID, in.UserID)
		if err != nil {
			return nil, err
		}
		return &output[conversationBody]{newConversationBody(c)}, nil
	}
}
