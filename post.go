package feedwire

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Board groups the posts of one public feedback board, such as "Feature requests".
type Board struct {
	ID          string
	WorkspaceID string
	Name        string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// BoardInput is what creating a board takes.
type BoardInput struct{ Name string }

// BoardPatch is a partial update of a board.
type BoardPatch struct{ Name Field[string] }

// Validate reports every field of b that is not valid.
func (b *Board) Validate() error {
	var p Problems
	checkText(&p, "name", b.Name, maxTitle)
	return p.Err()
}

// PostStatusType is the stage of a post that a status stands for.
type PostStatusType string

// PostStatusTypes lists the status types, in the order a post goes through them.
var PostStatusTypes = []PostStatusType{"reviewing", "unstarted", "active", "completed", "canceled"}

// PostStatus is a stage posts can be in, such as "In Review" or "Completed". One
// status of each workspace is the default that new posts get.
type PostStatus struct {
	ID          string
	WorkspaceID string
	Name        string
	Color       string
	Type        PostStatusType
	IsDefault   bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// DefaultPostStatuses are the statuses every workspace starts with; the first is the
// default.
var DefaultPostStatuses = []PostStatus{
	{Name: "In Review", Color: "Sky", Type: "reviewing", IsDefault: true},
	{Name: "Planned", Color: "Purple", Type: "unstarted"},
	{Name: "In Progress", Color: "Yellow", Type: "active"},
	{Name: "Completed", Color: "Green", Type: "completed"},
	{Name: "Closed", Color: "Red", Type: "canceled"},
}

// PostStatusInput is what creating a status takes.
type PostStatusInput struct {
	Name  string
	Color string
	Type  PostStatusType
}

// PostStatusPatch is a partial update of a status. Making a status the default takes
// that from the previous default.
type PostStatusPatch struct {
	Name      Field[string]
	Color     Field[string]
	Type      Field[PostStatusType]
	IsDefault Field[bool]
}

// Apply applies the patch to s and validates the result.
func (p PostStatusPatch) Apply(s *PostStatus) error {
	var problems Problems
	applyRequired(p.Name, &s.Name, "name", &problems)
	applyRequired(p.Color, &s.Color, "color", &problems)
	applyRequired(p.Type, &s.Type, "type", &problems)
	if p.IsDefault.Set && (p.IsDefault.Null || !p.IsDefault.Value) && s.IsDefault {
		problems.Add("isDefault", "cannot be unset: make another status the default instead")
	} else {
		applyRequired(p.IsDefault, &s.IsDefault, "isDefault", &problems)
	}
	if err := problems.Err(); err != nil {
		return err
	}
	return s.Validate()
}

// Validate reports every field of s that is not valid.
func (s *PostStatus) Validate() error {
	var p Problems
	checkText(&p, "name", s.Name, maxTitle)
	checkText(&p, "color", s.Color, 50)
	if !slices.Contains(PostStatusTypes, s.Type) {
		p.Add("type", "must be one of reviewing, unstarted, active, completed, canceled")
	}
	return p.Err()
}

// Post is a piece of public feedback on a board: a feature request, a bug report. Its
// upvotes and comment count follow its votes and comments.
type Post struct {
	ID           string
	WorkspaceID  string
	Slug         string // unique in the workspace; the post's URL ends with it
	Title        string
	Content      string // HTML
	BoardID      string
	AuthorID     string
	StatusID     string
	Tags         []string
	IsPinned     bool
	InReview     bool
	ETA          *time.Time
	AssigneeID   *string
	CustomFields map[string]any
	Upvotes      int
	CommentCount int
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// Author and Status are what AuthorID and StatusID name, and URL is the post's
	// public page: the store fills them in when it reads the post.
	Author *User
	Status *PostStatus
	URL    string
}

// PostInput is what creating a post takes. StatusID defaults to the workspace's
// default status.
type PostInput struct {
	Title        string
	Content      string
	BoardID      string
	AuthorID     string
	StatusID     *string
	Tags         []string
	IsPinned     bool
	InReview     bool
	ETA          *time.Time
	AssigneeID   *string
	CustomFields map[string]any
}

// Post returns the post the input describes, not yet stored.
func (in PostInput) Post() Post {
	p := Post{
		Title: in.Title, Content: in.Content, BoardID: in.BoardID, AuthorID: in.AuthorID,
		Tags: in.Tags, IsPinned: in.IsPinned, InReview: in.InReview, ETA: in.ETA,
		AssigneeID: in.AssigneeID, CustomFields: in.CustomFields,
	}
	if in.StatusID != nil {
		p.StatusID = *in.StatusID
	}
	if p.Tags == nil {
		p.Tags = []string{}
	}
	if p.CustomFields == nil {
		p.CustomFields = map[string]any{}
	}
	return p
}

// PostPatch is a partial update of a post.
type PostPatch struct {
	Title        Field[string]
	Content      Field[string]
	BoardID      Field[string]
	StatusID     Field[string]
	Tags         Field[[]string]
	IsPinned     Field[bool]
	InReview     Field[bool]
	ETA          Field[time.Time]
	AssigneeID   Field[string]
	CustomFields Field[map[string]any]
}

// Apply applies the patch to p and validates the result.
func (pp PostPatch) Apply(p *Post) error {
	var problems Problems
	applyRequired(pp.Title, &p.Title, "title", &problems)
	applyRequired(pp.Content, &p.Content, "content", &problems)
	applyRequired(pp.BoardID, &p.BoardID, "boardId", &problems)
	applyRequired(pp.StatusID, &p.StatusID, "statusId", &problems)
	applyRequired(pp.IsPinned, &p.IsPinned, "isPinned", &problems)
	applyRequired(pp.InReview, &p.InReview, "inReview", &problems)
	applyOptional(pp.ETA, &p.ETA)
	applyOptional(pp.AssigneeID, &p.AssigneeID)
	if pp.Tags.Set {
		p.Tags = []string{}
		if !pp.Tags.Null {
			p.Tags = pp.Tags.Value
		}
	}
	if pp.CustomFields.Set {
		p.CustomFields = map[string]any{}
		if !pp.CustomFields.Null {
			p.CustomFields = pp.CustomFields.Value
		}
	}
	if err := problems.Err(); err != nil {
		return err
	}
	return p.Validate()
}

// Validate reports every field of p that is not valid. References are the store's.
func (p *Post) Validate() error {
	var problems Problems
	checkText(&problems, "title", p.Title, maxTitle)
	checkText(&problems, "content", p.Content, maxContent)
	checkID(&problems, "boardId", p.BoardID)
	checkID(&problems, "authorId", p.AuthorID)
	if len(p.Tags) > 50 {
		problems.Add("tags", "must hold at most 50 tags")
	}
	for _, tag := range p.Tags {
		if strings.TrimSpace(tag) == "" || len(tag) > 100 {
			problems.Add("tags", "must each be 1 to 100 characters")
			break
		}
	}
	if len(p.CustomFields) > 50 {
		problems.Add("customFields", "must hold at most 50 fields")
	} else if b, err := json.Marshal(p.CustomFields); err != nil || len(b) > maxCustomFieldsSize {
		problems.Add("customFields", fmt.Sprintf("must take at most %d bytes as JSON", maxCustomFieldsSize))
	}
	return problems.Err()
}

var slugSeparators = regexp.MustCompile(`[^a-z0-9]+`)

// Slugify turns a title into the start of a URL path: "Dark mode?" becomes "dark-mode".
func Slugify(title string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(title) {
		if r < unicode.MaxASCII {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	slug := strings.Trim(slugSeparators.ReplaceAllString(b.String(), "-"), "-")
	if len(slug) > 80 {
		slug = strings.TrimRight(slug[:80], "-")
	}
	if slug == "" {
		return "post"
	}
	return slug
}

// VoteAction says whether a vote was added or removed.
type VoteAction string

// The vote actions.
const (
	VoteAdd    VoteAction = "add"
	VoteRemove VoteAction = "remove"
)

// BoardService stores boards and post statuses.
type BoardService interface {
	CreateBoard(ctx context.Context, workspaceID string, in BoardInput) (*Board, error)
	Board(ctx context.Context, workspaceID, id string) (*Board, error)
	Boards(ctx context.Context, workspaceID string, p ListParams) (*Page[Board], error)
	UpdateBoard(ctx context.Context, workspaceID, id string, p BoardPatch) (*Board, error)
	CreatePostStatus(ctx context.Context, workspaceID string, in PostStatusInput) (*PostStatus, error)
	PostStatus(ctx context.Context, workspaceID, id string) (*PostStatus, error)
	PostStatuses(ctx context.Context, workspaceID string, p ListParams) (*Page[PostStatus], error)
	UpdatePostStatus(ctx context.Context, workspaceID, id string, p PostStatusPatch) (*PostStatus, error)
}

// PostService stores posts and their votes; every write emits its topic in the same
// transaction.
type PostService interface {
	CreatePost(ctx context.Context, workspaceID string, in PostInput) (*Post, error)
	Post(ctx context.Context, workspaceID, id string) (*Post, error)
	Posts(ctx context.Context, workspaceID string, p ListParams) (*Page[Post], error)
	UpdatePost(ctx context.Context, workspaceID, id string, p PostPatch) (*Post, error)
	DeletePost(ctx context.Context, workspaceID, id string) error
	// Vote adds (VoteAdd) or removes a user's vote. Adding a vote the user already
	// gave, or removing one they did not, changes nothing and emits nothing.
	Vote(ctx context.Context, workspaceID, postID, voterID string, action VoteAction) (*Post, error)
}
