package wire

import (
	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// FeaturebaseAuthor returns u as the author of a post or comment.
func FeaturebaseAuthor(u *feedwire.User) *webhook.Author {
	if u == nil {
		return nil
	}
	return &webhook.Author{ID: u.ID, Name: u.Name, Email: u.Email, ProfilePicture: u.ProfilePicture, Type: string(u.Type)}
}

// FeaturebaseVoter returns u as the voter of post.voted: an admin is "admin", anyone
// else a "contact".
func FeaturebaseVoter(u *feedwire.User) webhook.Voter {
	object := "contact"
	if u.Type == feedwire.UserAdmin {
		object = "admin"
	}
	return webhook.Voter{Object: object, ID: u.ID, Name: u.Name, Email: u.Email, ProfilePicture: u.ProfilePicture, Type: string(u.Type)}
}

// FeaturebasePostStatus returns s as a post's status.
func FeaturebasePostStatus(s *feedwire.PostStatus) *webhook.PostStatus {
	if s == nil {
		return nil
	}
	return &webhook.PostStatus{Object: "post_status", ID: s.ID, Name: s.Name, Color: s.Color, Type: string(s.Type), IsDefault: s.IsDefault}
}

// FeaturebasePost returns p as the item of the post topics. Comments are always
// enabled and posts visible to everyone: feedwire has no per-post access yet.
func FeaturebasePost(p *feedwire.Post) webhook.Post {
	tags := p.Tags
	if tags == nil {
		tags = []string{}
	}
	fields := p.CustomFields
	if fields == nil {
		fields = map[string]any{}
	}
	return webhook.Post{
		Object: "post", ID: p.ID, Slug: p.Slug, PostURL: p.URL, Title: p.Title, Content: p.Content,
		BoardID: p.BoardID, Author: FeaturebaseAuthor(p.Author), Status: FeaturebasePostStatus(p.Status),
		Tags: tags, Upvotes: p.Upvotes, CommentCount: p.CommentCount, IsPinned: p.IsPinned, InReview: p.InReview,
		ETA:        webhook.NewTimePtr(p.ETA),
		Features:   webhook.PostFeatures{CommentsEnabled: true},
		Access:     webhook.PostAccess{UserIDs: []string{}, CompanyExternalIDs: []string{}},
		AssigneeID: p.AssigneeID, CustomFields: fields,
		CreatedAt: webhook.NewTime(p.CreatedAt), UpdatedAt: webhook.NewTime(p.UpdatedAt),
	}
}

// PostEvent returns the event of post.created or post.deleted (before nil) or of
// post.updated, which is nil when the update changed nothing.
func PostEvent(topic feedwire.EventType, before, after *feedwire.Post) (*feedwire.Event, error) {
	var old any
	if before != nil {
		old = FeaturebasePost(before)
	}
	return FeaturebaseEvent(topic, "post", old, FeaturebasePost(after))
}

// VoteEvent returns the event of post.voted.
func VoteEvent(postID string, voter *feedwire.User, action feedwire.VoteAction) (*feedwire.Event, error) {
	return FeaturebaseEvent("post.voted", "post", nil, webhook.PostVote{
		Object: "post_vote", Action: string(action), PostID: postID, Voter: FeaturebaseVoter(voter),
	})
}
