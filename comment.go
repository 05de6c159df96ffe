package feedwire

import (
	"context"
	"time"
)

// Comment is a comment on a post. Threads are flat: a reply's parent is always a root
// comment, so a reply to a reply is filed under the root it belongs to.
type Comment struct {
	ID              string
	WorkspaceID     string
	PostID          string
	ParentCommentID *string
	Content         string // HTML
	AuthorID        string
	IsPrivate       bool // seen by the team only
	IsPinned        bool
	CreatedAt       time.Time
	UpdatedAt       time.Time
	// Author is the user AuthorID names, read with the comment.
	Author *User
}

// CommentInput is what creating a comment takes.
type CommentInput struct {
	PostID          string
	Content         string
	AuthorID        string
	ParentCommentID *string
	IsPrivate       bool
	IsPinned        bool
}

// Comment returns the comment the input describes, not yet stored.
func (in CommentInput) Comment() Comment {
	return Comment{PostID: in.PostID, Content: in.Content, AuthorID: in.AuthorID,
		ParentCommentID: in.ParentCommentID, IsPrivate: in.IsPrivate, IsPinned: in.IsPinned}
}

// CommentPatch is a partial update of a comment.
type CommentPatch struct {
	Content   Field[string]
	IsPrivate Field[bool]
	IsPinned  Field[bool]
}

// Apply applies the patch to c and validates the result.
func (p CommentPatch) Apply(c *Comment) error {
	var problems Problems
	applyRequired(p.Content, &c.Content, "content", &problems)
	applyRequired(p.IsPrivate, &c.IsPrivate, "isPrivate", &problems)
	applyRequired(p.IsPinned, &c.IsPinned, "isPinned", &problems)
	if err := problems.Err(); err != nil {
		return err
	}
	return c.Validate()
}

// Validate reports every field of c that is not valid.
func (c *Comment) Validate() error {
	var p Problems
	checkID(&p, "postId", c.PostID)
	checkText(&p, "content", c.Content, maxContent)
	checkID(&p, "authorId", c.AuthorID)
	return p.Err()
}

// CommentFilter selects comments.
type CommentFilter struct {
	ListParams
	PostID string // only the comments of this post; all when empty
}

// CommentService stores comments; every write emits its topic in the same transaction
// and keeps the post's comment count.
type CommentService interface {
	CreateComment(ctx context.Context, workspaceID string, in CommentInput) (*Comment, error)
	Comment(ctx context.Context, workspaceID, id string) (*Comment, error)
	Comments(ctx context.Context, workspaceID string, f CommentFilter) (*Page[Comment], error)
	UpdateComment(ctx context.Context, workspaceID, id string, p CommentPatch) (*Comment, error)
	DeleteComment(ctx context.Context, workspaceID, id string) error
}
