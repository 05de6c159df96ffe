package store

import (
	"context"
	"fmt"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

var comments = table[feedwire.Comment]{
	name:    "comments",
	what:    "comment",
	columns: "id, workspace_id, post_id, parent_comment_id, content, author_id, is_private, is_pinned, created_at, updated_at",
	scan: func(row scanner) (*feedwire.Comment, error) {
		var c feedwire.Comment
		err := row.Scan(&c.ID, &c.WorkspaceID, &c.PostID, &c.ParentCommentID, &c.Content, &c.AuthorID, &c.IsPrivate,
			&c.IsPinned, timeColumn{&c.CreatedAt}, timeColumn{&c.UpdatedAt})
		return &c, err
	},
	id: func(c *feedwire.Comment) string { return c.ID },
}

// CreateComment stores a new comment, counts it on its post, and emits comment.created.
// A reply to a reply is filed under the root comment: threads are flat.
func (s *Store) CreateComment(ctx context.Context, workspaceID string, in feedwire.CommentInput) (*feedwire.Comment, error) {
	c := in.Comment()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	now := s.clock()
	c.ID, c.WorkspaceID, c.CreatedAt, c.UpdatedAt = newObjectID(now), workspaceID, now, now
	err := s.inTx(ctx, func(tx *txn) error {
		err := checkRefs(ctx, tx, workspaceID, ref{"postId", "posts", &c.PostID}, ref{"authorId", "users", &c.AuthorID},
			ref{"parentCommentId", "comments", c.ParentCommentID})
		if err != nil {
			return err
		}
		if err := lockParent(ctx, tx, "posts", c.PostID); err != nil {
			return err
		}
		if c.ParentCommentID != nil {
			parent, err := comments.get(ctx, tx, workspaceID, *c.ParentCommentID)
			if err != nil {
				return err
			}
			if parent.PostID != c.PostID {
				return feedwire.Invalid("parentCommentId", "must be a comment on the same post")
			}
			if parent.ParentCommentID != nil {
				c.ParentCommentID = parent.ParentCommentID
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO comments (id, workspace_id, post_id, parent_comment_id, content,
			author_id, is_private, is_pinned, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, workspaceID, c.PostID, c.ParentCommentID, c.Content, c.AuthorID, c.IsPrivate, c.IsPinned,
			millis(now), millis(now))
		if err != nil {
			return fmt.Errorf("insert comment: %w", err)
		}
		if err := countComments(ctx, tx, c.PostID); err != nil {
			return err
		}
		return recordCommentEvent(ctx, tx, "comment.created", nil, &c, now)
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Comment returns one comment of the workspace.
func (s *Store) Comment(ctx context.Context, workspaceID, id string) (*feedwire.Comment, error) {
	return getComment(ctx, s.read, workspaceID, id)
}

// Comments returns one page of the workspace's comments, newest first.
func (s *Store) Comments(ctx context.Context, workspaceID string, f feedwire.CommentFilter) (*feedwire.Page[feedwire.Comment], error) {
	var where string
	var args []any
	if f.PostID != "" {
		where, args = "AND post_id = ?", []any{f.PostID}
	}
	page, err := comments.list(ctx, s.read, workspaceID, f.ListParams, where, args...)
	if err != nil {
		return nil, err
	}
	for i := range page.Items {
		c := &page.Items[i]
		if c.Author, err = users.get(ctx, s.read, workspaceID, c.AuthorID); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// UpdateComment applies a patch and emits comment.updated; a patch that changes
// nothing emits nothing.
func (s *Store) UpdateComment(ctx context.Context, workspaceID, id string, p feedwire.CommentPatch) (*feedwire.Comment, error) {
	var out *feedwire.Comment
	err := s.inTx(ctx, func(tx *txn) error {
		before, err := getComment(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		after := *before
		if err := p.Apply(&after); err != nil {
			return err
		}
		now := s.clock()
		after.UpdatedAt = now
		ev, err := wire.CommentEvent("comment.updated", before, &after)
		if err != nil || ev == nil {
			out = before
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE comments SET content = ?, is_private = ?, is_pinned = ?, updated_at = ?
			WHERE id = ?`, after.Content, after.IsPrivate, after.IsPinned, millis(now), after.ID)
		if err != nil {
			return fmt.Errorf("update comment: %w", err)
		}
		out = &after
		return recordEvent(ctx, tx, ev, workspaceID, after.ID, now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteComment deletes a comment with its replies, emitting comment.deleted for each
// one that disappears: the replies first, oldest first, then the comment itself, in one
// transaction. The post's comment count follows.
func (s *Store) DeleteComment(ctx context.Context, workspaceID, id string) error {
	return s.inTx(ctx, func(tx *txn) error {
		c, err := getComment(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		if err := lockParent(ctx, tx, "posts", c.PostID); err != nil {
			return err
		}
		replies, err := queryComments(ctx, tx, workspaceID, "parent_comment_id = ? ORDER BY created_at, id", c.ID)
		if err != nil {
			return err
		}
		if err := deleteComments(ctx, tx, append(replies, *c), s.clock()); err != nil {
			return err
		}
		return countComments(ctx, tx, c.PostID)
	})
}

// deleteComments deletes the comments in the order given, each with its
// comment.deleted. A reply must come before its parent, whose deletion would take it
// along unannounced.
func deleteComments(ctx context.Context, tx *txn, doomed []feedwire.Comment, now time.Time) error {
	for i := range doomed {
		c := &doomed[i]
		if _, err := tx.ExecContext(ctx, `DELETE FROM comments WHERE id = ?`, c.ID); err != nil {
			return fmt.Errorf("delete comment: %w", err)
		}
		if err := recordCommentEvent(ctx, tx, "comment.deleted", nil, c, now); err != nil {
			return err
		}
	}
	return nil
}

// queryComments returns the workspace's comments that match where (a condition and
// its ORDER BY), with their authors.
func queryComments(ctx context.Context, q querier, workspaceID, where string, args ...any) ([]feedwire.Comment, error) {
	out, err := comments.query(ctx, q, workspaceID, where, args...)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Author, err = users.get(ctx, q, workspaceID, out[i].AuthorID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func getComment(ctx context.Context, q querier, workspaceID, id string) (*feedwire.Comment, error) {
	c, err := comments.get(ctx, q, workspaceID, id)
	if err != nil {
		return nil, err
	}
	if c.Author, err = users.get(ctx, q, workspaceID, c.AuthorID); err != nil {
		return nil, err
	}
	return c, nil
}

func recordCommentEvent(ctx context.Context, tx *txn, topic feedwire.EventType, before, after *feedwire.Comment, now time.Time) error {
	if after.Author == nil {
		author, err := users.get(ctx, tx, after.WorkspaceID, after.AuthorID)
		if err != nil {
			return err
		}
		after.Author = author
	}
	ev, err := wire.CommentEvent(topic, before, after)
	if err != nil {
		return err
	}
	return recordEvent(ctx, tx, ev, after.WorkspaceID, after.ID, now)
}

// countComments sets the post's comment count from its comments. The post's item
// shows the count, but it changes without a post.updated: the comment topics say it.
func countComments(ctx context.Context, tx *txn, postID string) error {
	_, err := tx.ExecContext(ctx, `UPDATE posts SET comment_count = (SELECT count(*) FROM comments WHERE post_id = ?)
		WHERE id = ?`, postID, postID)
	if err != nil {
		return fmt.Errorf("count comments: %w", err)
	}
	return nil
}
