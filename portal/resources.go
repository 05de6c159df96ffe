package portal

import (
	"context"
	"errors"
	"html"
	"net/http"
	"regexp"
	"strings"

	"github.com/feedwire/feedwire"
)

// The read-only pages of what events link to: a conversation at its conversationUrl,
// a post at its postUrl.

type conversationView struct {
	Conversation  *feedwire.Conversation
	Parts         []feedwire.ConversationPart
	Participants  []person
	AdminAssignee *person
	Events        string // the events page of this conversation
}

// person is a user as a page names them.
type person struct {
	ID, Name string
	Type     feedwire.UserType
}

func (p *portal) conversationPage(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	c, err := p.Conversations.Conversation(ctx, s.workspaceID, r.PathValue("id"))
	if err != nil {
		return err
	}
	parts, err := p.Conversations.Parts(ctx, s.workspaceID, c.ID)
	if err != nil {
		return err
	}
	v := conversationView{Conversation: c, Parts: parts, Events: "/events?resource=" + c.ID}
	names := p.userNames(s.workspaceID)
	for _, pt := range c.Participants {
		u, err := names(ctx, pt.UserID)
		if err != nil {
			return err
		}
		v.Participants = append(v.Participants, u)
	}
	if c.AdminAssigneeID != nil {
		u, err := names(ctx, *c.AdminAssigneeID)
		if err != nil {
			return err
		}
		v.AdminAssignee = &u
	}
	p.render(w, r, s, http.StatusOK, "conversation", c.Title, v)
	return nil
}

// userNames returns a lookup of the workspace's users that reads each one once. A
// user who is gone is shown by id.
func (p *portal) userNames(workspaceID string) func(ctx context.Context, id string) (person, error) {
	seen := map[string]person{}
	return func(ctx context.Context, id string) (person, error) {
		if u, ok := seen[id]; ok {
			return u, nil
		}
		u, err := p.Users.User(ctx, workspaceID, id)
		switch {
		case errors.Is(err, feedwire.ErrNotFound):
			seen[id] = person{ID: id, Name: id}
		case err != nil:
			return person{}, err
		default:
			seen[id] = person{ID: u.ID, Name: u.Name, Type: u.Type}
		}
		return seen[id], nil
	}
}

type postView struct {
	Post     *feedwire.Post
	Content  string
	Comments []commentView
	More     bool // the post has more comments than the page shows
	Events   string
}

type commentView struct {
	feedwire.Comment
	Text  string
	Reply bool
}

func (p *portal) postPage(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	post, err := p.Posts.PostBySlug(ctx, s.workspaceID, r.PathValue("slug"))
	if err != nil {
		return err
	}
	page, err := p.Comments.Comments(ctx, s.workspaceID, feedwire.CommentFilter{
		ListParams: feedwire.ListParams{Limit: feedwire.MaxListLimit}, PostID: post.ID})
	if err != nil {
		return err
	}
	v := postView{Post: post, Content: plainText(post.Content), More: page.Next != "", Events: "/events?resource=" + post.ID}
	for i := len(page.Items) - 1; i >= 0; i-- { // oldest first, as a thread reads
		c := page.Items[i]
		v.Comments = append(v.Comments, commentView{Comment: c, Text: plainText(c.Content), Reply: c.ParentCommentID != nil})
	}
	p.render(w, r, s, http.StatusOK, "post", post.Title, v)
	return nil
}

var (
	blockTags  = regexp.MustCompile(`(?i)</?(p|div|br|li|ul|ol|h[1-6]|blockquote|pre|tr|table)\b[^>]*>`)
	tags       = regexp.MustCompile(`<[^>]*>`)
	blankLines = regexp.MustCompile(`\n{3,}`)
)

// plainText is the text of HTML that posts and comments hold, for showing without
// running any of it: block tags become line breaks, other tags nothing, entities
// their characters.
func plainText(s string) string {
	text := html.UnescapeString(tags.ReplaceAllString(blockTags.ReplaceAllString(s, "\n"), ""))
	return strings.TrimSpace(blankLines.ReplaceAllString(text, "\n\n"))
}
