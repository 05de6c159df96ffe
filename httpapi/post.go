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

// postStatusBody is a status as the API shows it: as posts embed it.
type postStatusBody struct{ webhook.PostStatus }

func newPostStatusBody(s *feedwire.PostStatus) postStatusBody {
	return postStatusBody{*wire.FeaturebasePostStatus(s)}
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
	Tags         patchField[[]string]       `json:"tags,omitzero"`
	IsPinned     patchField[bool]           `json:"isPinned,omitzero"`
	InReview     patchField[bool]           `json:"inReview,omitzero"`
	ETA          patchField[time.Time]      `json:"eta,omitzero"`
	AssigneeID   patchField[string]         `json:"assigneeId,omitzero"`
	CustomFields patchField[map[string]any] `json:"customFields,omitzero"`
}

func (b postPatchBody) patch() feedwire.PostPatch {
	return feedwire.PostPatch{Title: b.Title.field(), Content: b.Content.field(), BoardID: b.BoardID.field(),
		StatusID: b.StatusID.field(), Tags: b.Tags.field(), IsPinned: b.IsPinned.field(), InReview: b.InReview.field(),
		ETA: b.ETA.field(), AssigneeID: b.AssigneeID.field(), CustomFields: b.CustomFields.field()}
}

// deleteOne answers a DELETE with the deleted object's id.
func deleteOne(object string, remove func(ctx context.Context, workspaceID, id string) error) handler[idInput, output[deletedBody]] {
	return func(ctx context.Context, workspaceID string, in *idInput) (*output[deletedBody], error) {
		if err := remove(ctx, workspaceID, in.ID); err != nil {
			return nil, err
		}
		return &output[deletedBody]{deletedBody{ID: in.ID, Object: object, Deleted: true}}, nil
	}
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

// changelogBody is a changelog as the API shows it: as changelog.published writes it,
// without the locale of a publication.
type changelogBody struct{ webhook.Changelog }

func newChangelogBody(c *feedwire.Changelog) changelogBody {
	return changelogBody{wire.FeaturebaseChangelog(c, "", false)}
}

type categoryInput struct {
	Name                    string `json:"name"`
	SendEmailNotification   bool   `json:"sendEmailNotification,omitempty"`
	HideFromBoardAndWidgets bool   `json:"hideFromBoardAndWidgets,omitempty"`
}

func categories(in []categoryInput) []feedwire.ChangelogCategory {
	out := make([]feedwire.ChangelogCategory, len(in))
	for i, c := range in {
		out[i] = feedwire.ChangelogCategory{Name: c.Name, SendEmailNotification: c.SendEmailNotification, HideFromBoardAndWidgets: c.HideFromBoardAndWidgets}
	}
	return out
}

type createChangelogInput struct {
	Body struct {
		Title           string          `json:"title"`
		Content         string          `json:"content" doc:"HTML"`
		MarkdownContent string          `json:"markdownContent,omitempty"`
		FeaturedImage   *string         `json:"featuredImage,omitempty" format:"uri"`
		Categories      []categoryInput `json:"categories,omitempty"`
	}
}

func (in *createChangelogInput) input() feedwire.ChangelogInput {
	b := in.Body
	return feedwire.ChangelogInput{Title: b.Title, Content: b.Content, MarkdownContent: b.MarkdownContent,
		FeaturedImage: b.FeaturedImage, Categories: categories(b.Categories)}
}

type changelogPatchBody struct {
	Title           patchField[string]          `json:"title,omitzero"`
	Content         patchField[string]          `json:"content,omitzero"`
	MarkdownContent patchField[string]          `json:"markdownContent,omitzero"`
	FeaturedImage   patchField[string]          `json:"featuredImage,omitzero"`
	Categories      patchField[[]categoryInput] `json:"categories,omitzero" doc:"Replaces all categories"`
}

func (b changelogPatchBody) patch() feedwire.ChangelogPatch {
	p := feedwire.ChangelogPatch{Title: b.Title.field(), Content: b.Content.field(),
		MarkdownContent: b.MarkdownContent.field(), FeaturedImage: b.FeaturedImage.field()}
	p.Categories = feedwire.Field[[]feedwire.ChangelogCategory]{Set: b.Categories.Set, Null: b.Categories.Null,
		Value: categories(b.Categories.Value)}
	return p
}

type publishChangelogInput struct {
	ID   string `path:"id"`
	Body struct {
		Locale string `json:"locale" doc:"A language tag such as en, fr or pt-BR"`
	}
}

func publishChangelog(svc feedwire.ChangelogService) handler[publishChangelogInput, output[changelogBody]] {
	return func(ctx context.Context, workspaceID string, in *publishChangelogInput) (*output[changelogBody], error) {
		c, err := svc.PublishChangelog(ctx, workspaceID, in.ID, in.Body.Locale)
		if err != nil {
			return nil, err
		}
		return &output[changelogBody]{newChangelogBody(c)}, nil
	}
}
