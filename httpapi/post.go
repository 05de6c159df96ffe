package httpapi

import (
	"context"

	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
	"github.com/feedwire/feedwire/wire"
)

// boardBody is a board as the API shows it.
type boardBody struct {
	Object    string       `json:"object" enum:"board"`
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	CreatedAt webhook.Time `json:"createdAt"`
	UpdatedAt webhook.Time `json:"updatedAt"`
}

func newBoardBody(b *feedwire.Board) boardBody {
	return boardBody{Object: "board", ID: b.ID, Name: b.Name, CreatedAt: webhook.NewTime(b.CreatedAt), UpdatedAt: webhook.NewTime(b.UpdatedAt)}
}

type createBoardInput struct {
	Body struct {
		Name string `json:"name"`
	}
}

func (in *createBoardInput) input() feedwire.BoardInput {
	return feedwire.BoardInput{Name: in.Body.Name}
}

type boardPatchBody struct {
	Name patchField[string] `json:"name,omitzero"`
}

func (b boardPatchBody) patch() feedwire.BoardPatch { return feedwire.BoardPatch{Name: b.Name.field()} }

// postStatusBody is a status as the API shows it: as posts embed it. It is the webhook
// type itself, so that the OpenAPI document has one schema of a status.
type postStatusBody = webhook.PostStatus

func newPostStatusBody(s *feedwire.PostStatus) postStatusBody {
	return *wire.FeaturebasePostStatus(s)
}

type createPostStatusInput struct {
	Body struct {
		Name  string                  `json:"name"`
		Color string                  `json:"color" doc:"A color name such as Sky or Green, or a hex color"`
		Type  feedwire.PostStatusType `json:"type" enum:"reviewing,unstarted,active,completed,canceled"`
	}
}

func (in *createPostStatusInput) input() feedwire.PostStatusInput {
	return feedwire.PostStatusInput{Name: in.Body.Name, Color: in.Body.Color, Type: in.Body.Type}
}

type postStatusPatchBody struct {
	Name      patchField[string]                  `json:"name,omitzero"`
	Color     patchField[string]                  `json:"color,omitzero"`
	Type      patchField[feedwire.PostStatusType] `json:"type,omitzero" enum:"reviewing,unstarted,active,completed,canceled"`
	IsDefault patchField[bool]                    `json:"isDefault,omitzero" doc:"true makes it the status new posts get, in place of the previous default"`
}

func (b postStatusPatchBody) patch() feedwire.PostStatusPatch {
	return feedwire.PostStatusPatch{Name: b.Name.field(), Color: b.Color.field(), Type: b.Type.field(), IsDefault: b.IsDefault.field()}
}

// postBody is a post as the API shows it: the item of its webhook events.
type postBody struct{ webhook.Post }

func newPostBody(p *feedwire.Post) postBody { return postBody{wire.FeaturebasePost(p)} }

type createPostInput struct {
	Body struct {
		Title        string         `json:"title"`
		Content      string         `json:"content" doc:"HTML"`
		BoardID      string         `json:"boardId"`
		AuthorID     string         `json:"authorId"`
		StatusID     *string        `json:"statusId,omitempty" doc:"Defaults to the workspace's default status"`
		Tags         []string       `json:"tags,omitempty"`
		IsPinned     bool           `json:"isPinned,omitempty"`
		InReview     bool           `json:"inReview,omitempty"`
		ETA          *time.Time     `json:"eta,omitempty"`
		AssigneeID   *string        `json:"assigneeId,omitempty" doc:"An admin"`
		CustomFields map[string]any `json:"customFields,omitempty"`
	}
}

func (in *createPostInput) input() feedwire.PostInput {
	b := in.Body
	return feedwire.PostInput{Title: b.Title, Content: b.Content, BoardID: b.BoardID, AuthorID: b.AuthorID,
		StatusID: b.StatusID, Tags: b.Tags, IsPinned: b.IsPinned, InReview: b.InReview, ETA: b.ETA,
		AssigneeID: b.AssigneeID, CustomFields: b.CustomFields}
}

type postPatchBody struct {
	Title        patchField[string]         `json:"title,omitzero"`
	Content      patchField[string]         `json:"content,omitzero"`
	BoardID      patchField[string]         `json:"boardId,omitzero"`
	StatusID     patchField[string]         `json:"statusId,omitzero"`
	Tags         patchField[[]string]       `json:"tags,omitzero" nullable:"true"`
	IsPinned     patchField[bool]           `json:"isPinned,omitzero"`
	InReview     patchField[bool]           `json:"inReview,omitzero"`
	ETA          patchField[time.Time]      `json:"eta,omitzero" nullable:"true"`
	AssigneeID   patchField[string]         `json:"assigneeId,omitzero" nullable:"true"`
	CustomFields patchField[map[string]any] `json:"customFields,omitzero" nullable:"true"`
}

func (b postPatchBody) patch() feedwire.PostPatch {
	return feedwire.PostPatch{Title: b.Title.field(), Content: b.Content.field(), BoardID: b.BoardID.field(),
		StatusID: b.StatusID.field(), Tags: b.Tags.field(), IsPinned: b.IsPinned.field(), InReview: b.InReview.field(),
		ETA: b.ETA.field(), AssigneeID: b.AssigneeID.field(), CustomFields: b.CustomFields.field()}
}

type addVoteInput struct {
	ID   string `path:"id"`
	Body struct {
		VoterID string `json:"voterId"`
	}
}

type removeVoteInput struct {
	ID      string `path:"id"`
	VoterID string `path:"voterId"`
}

func addVote(svc feedwire.PostService) handler[addVoteInput, output[postBody]] {
	return func(ctx context.Context, workspaceID string, in *addVoteInput) (*output[postBody], error) {
		p, err := svc.Vote(ctx, workspaceID, in.ID, in.Body.VoterID, feedwire.VoteAdd)
		if err != nil {
			return nil, err
		}
		return &output[postBody]{newPostBody(p)}, nil
	}
}

func removeVote(svc feedwire.PostService) handler[removeVoteInput, output[postBody]] {
	return func(ctx context.Context, workspaceID string, in *removeVoteInput) (*output[postBody], error) {
		p, err := svc.Vote(ctx, workspaceID, in.ID, in.VoterID, feedwire.VoteRemove)
		if err != nil {
			return nil, err
		}
		return &output[postBody]{newPostBody(p)}, nil
	}
}
