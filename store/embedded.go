package store

import (
	"context"
	"fmt"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

// Posts and comments embed their author, and posts their status, so a change to a
// user or a post status changes what GET shows of each post and comment that embeds it.
// A receiver that mirrors them from their events must hear of that too: the store reads
// them before the change (showing), writes the change, then announces each one whose
// item changed (announce), with post.updated or comment.updated.

// showing is the posts and comments that embed something about to change, as they are
// before the change.
type showing struct {
	posts    []feedwire.Post
	comments []feedwire.Comment
}

// showingUser returns the posts and comments that embed the user.
func (s *Store) showingUser(ctx context.Context, tx *txn, workspaceID, userID string) (*showing, error) {
	posts, err := s.queryPosts(ctx, tx, workspaceID, "author_id = ? ORDER BY created_at, id", userID)
	if err != nil {
		return nil, err
	}
	comments, err := queryComments(ctx, tx, workspaceID, "author_id = ? ORDER BY created_at, id", userID)
	if err != nil {
		return nil, err
	}
	return &showing{posts: posts, comments: comments}, nil
}

// showingStatuses returns the posts that embed any of the statuses.
func (s *Store) showingStatuses(ctx context.Context, tx *txn, workspaceID string, statusIDs ...string) (*showing, error) {
	var out showing
	for _, id := range statusIDs {
		posts, err := s.queryPosts(ctx, tx, workspaceID, "status_id = ? ORDER BY created_at, id", id)
		if err != nil {
			return nil, err
		}
		out.posts = append(out.posts, posts...)
	}
	return &out, nil
}

// announce reads each post and comment again, after the change, and emits post.updated
// or comment.updated for those whose item changed, moving their updatedAt to now.
func (s *Store) announce(ctx context.Context, tx *txn, before *showing, now time.Time) error {
	for i := range before.posts {
		old := &before.posts[i]
		after, err := s.getPost(ctx, tx, old.WorkspaceID, old.ID)
		if err != nil {
			return err
		}
		after.UpdatedAt = now
		ev, err := wire.PostEvent("post.updated", old, after)
		if err := record(ctx, tx, "posts", ev, err, after.WorkspaceID, after.ID, now); err != nil {
			return err
		}
	}
	for i := range before.comments {
		old := &before.comments[i]
		after, err := getComment(ctx, tx, old.WorkspaceID, old.ID)
		if err != nil {
			return err
		}
		after.UpdatedAt = now
		ev, err := wire.CommentEvent("comment.updated", old, after)
		if err := record(ctx, tx, "comments", ev, err, after.WorkspaceID, after.ID, now); err != nil {
			return err
		}
	}
	return nil
}

// record stores the update event ev of a row of table, unless building it failed (err)
// or it is nil because the row shows nothing that changed, and moves the row's
// updatedAt to now.
func record(ctx context.Context, tx *txn, table string, ev *feedwire.Event, err error, workspaceID, id string, now time.Time) error {
	if err != nil || ev == nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET updated_at = ? WHERE id = ?`, millis(now), id); err != nil {
		return fmt.Errorf("update %s: %w", table, err)
	}
	return recordEvent(ctx, tx, ev, workspaceID, id, now)
}

// queryPosts returns the workspace's posts that match where (a condition and its ORDER
// BY), with their author, status and URL.
func (s *Store) queryPosts(ctx context.Context, q querier, workspaceID, where string, args ...any) ([]feedwire.Post, error) {
	out, err := posts.query(ctx, q, workspaceID, where, args...)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if err := s.resolvePost(ctx, q, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
