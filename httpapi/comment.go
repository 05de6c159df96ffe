package httpapi

import (
	"context"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
	"github.com/feedwire/feedwire/wire"
)

// commentBody is a comment as the API shows it: the item of its webhook events.
type commentBody struct{ webhook.Comment }

func newCommentBody(c *feedwire.Comment) commentBody { return commentBody{wire.FeaturebaseComment(c)} }

type createCommentInput struct {
	Body struct {
		PostID          string  `json:"postId"`
		Content         string  `json:"content" doc:"HTML"`
		AuthorID        string  `json:"authorId"`
		ParentCommentID *string `json:"parentCommentId,omitempty" doc:"A reply's parent; a reply to a reply is filed under its root comment"`
		IsPrivate       bool    `json:"isPrivate,omitempty" doc:"Seen by the team only"`
		IsPinned        bool    `json:"isPinned,omitempty"`
	}
}

func (in *createCommentInput) input() feedwire.CommentInput {
	b := in.Body
	return feedwire.CommentInput{PostID: b.PostID, Content: b.Content, AuthorID: b.AuthorID,
		ParentCommentID: b.ParentCommentID, IsPrivate: b.IsPrivate, IsPinned: b.IsPinned}
}

type commentPatchBody struct {
	Content   patchField[string] `json:"content,omitzero"`
	IsPrivate patchField[bool]   `json:"isPrivate,omitzero"`
	IsPinned  patchField[bool]   `json:"isPinned,omitzero"`
}

func (b commentPatchBody) patch() feedwire.CommentPatch {
	return feedwire.CommentPatch{Content: b.Content.field(), IsPrivate: b.IsPrivate.field(), IsPinned: b.IsPinned.field()}
}

type listCommentsInput struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"100" default:"20" doc:"How many items to return, 1 to 100"`
	Cursor string `query:"cursor" doc:"The nextCursor of the previous page"`
	PostID string `query:"postId" doc:"Only the comments of this post"`
}

func listComments(svc feedwire.CommentService) handler[listCommentsInput, output[listBody[commentBody]]] {
	return func(ctx context.Context, workspaceID string, in *listCommentsInput) (*output[listBody[commentBody]], error) {
		p, err := (&listInput{Limit: in.Limit, Cursor: in.Cursor}).params()
		if err != nil {
			return nil, err
		}
		page, err := svc.Comments(ctx, workspaceID, feedwire.CommentFilter{ListParams: p, PostID: in.PostID})
		if err != nil {
			return nil, err
		}
		return newList(page, newCommentBody), nil
	}
}
