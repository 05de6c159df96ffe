package wire

import (
	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// FeaturebaseComment returns c as the item of the comment topics. Comments have no
// votes of their own yet: upvotes, downvotes and score are 0.
func FeaturebaseComment(c *feedwire.Comment) webhook.Comment {
	return webhook.Comment{
		Object: "comment", ID: c.ID, PostID: c.PostID, ParentCommentID: c.ParentCommentID, Content: c.Content,
		Author: FeaturebaseAuthor(c.Author), IsPrivate: c.IsPrivate, IsPinned: c.IsPinned,
		CreatedAt: webhook.NewTime(c.CreatedAt), UpdatedAt: webhook.NewTime(c.UpdatedAt),
	}
}

// CommentEvent is PostEvent for comments.
func CommentEvent(topic feedwire.EventType, before, after *feedwire.Comment) (*feedwire.Event, error) {
	var old any
	if before != nil {
		old = FeaturebaseComment(before)
	}
	return FeaturebaseEvent(topic, "comment", old, FeaturebaseComment(after))
}
