package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

var boards = table[feedwire.Board]{
	name:    "boards",
	what:    "board",
	columns: "id, workspace_id, name, created_at, updated_at",
	scan: func(row scanner) (*feedwire.Board, error) {
		var b feedwire.Board
		err := row.Scan(&b.ID, &b.WorkspaceID, &b.Name, timeColumn{&b.CreatedAt}, timeColumn{&b.UpdatedAt})
		return &b, err
	},
	id: func(b *feedwire.Board) string { return b.ID },
}

var postStatuses = table[feedwire.PostStatus]{
	name:    "post_statuses",
	what:    "post status",
	columns: "id, workspace_id, name, color, type, is_default, created_at, updated_at",
	scan: func(row scanner) (*feedwire.PostStatus, error) {
		var s feedwire.PostStatus
		err := row.Scan(&s.ID, &s.WorkspaceID, &s.Name, &s.Color, &s.Type, &s.IsDefault,
			timeColumn{&s.CreatedAt}, timeColumn{&s.UpdatedAt})
		return &s, err
	},
	id: func(s *feedwire.PostStatus) string { return s.ID },
}

var posts = table[feedwire.Post]{
	name: "posts",
	what: "post",
	columns: `id, workspace_id, slug, title, content, board_id, author_id, status_id, tags, is_pinned, in_review,
		eta, assignee_id, custom_fields, upvotes, comment_count, created_at, updated_at`,
	scan: func(row scanner) (*feedwire.Post, error) {
		var p feedwire.Post
		var tags, fields string
		err := row.Scan(&p.ID, &p.WorkspaceID, &p.Slug, &p.Title, &p.Content, &p.BoardID, &p.AuthorID, &p.StatusID,
			&tags, &p.IsPinned, &p.InReview, nullTimeColumn{&p.ETA}, &p.AssigneeID, &fields, &p.Upvotes,
			&p.CommentCount, timeColumn{&p.CreatedAt}, timeColumn{&p.UpdatedAt})
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(tags), &p.Tags); err != nil {
			return nil, fmt.Errorf("tags: %w", err)
		}
		if err := json.Unmarshal([]byte(fields), &p.CustomFields); err != nil {
			return nil, fmt.Errorf("custom fields: %w", err)
		}
		return &p, nil
	},
	id: func(p *feedwire.Post) string { return p.ID },
}

// insertDefaultStatuses gives a new workspace the statuses every workspace starts with.
func insertDefaultStatuses(ctx context.Context, tx *txn, workspaceID string, now time.Time) error {
	for _, s := range feedwire.DefaultPostStatuses {
		s.ID, s.WorkspaceID, s.CreatedAt, s.UpdatedAt = newObjectID(now), workspaceID, now, now
		if err := insertPostStatus(ctx, tx, &s); err != nil {
			return err
		}
	}
	return nil
}

// CreateBoard stores a new board.
func (s *Store) CreateBoard(ctx context.Context, workspaceID string, in feedwire.BoardInput) (*feedwire.Board, error) {
	b := &feedwire.Board{Name: in.Name}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	now := s.clock()
	b.ID, b.WorkspaceID, b.CreatedAt, b.UpdatedAt = newObjectID(now), workspaceID, now, now
	err := s.inTx(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO boards (id, workspace_id, name, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?)`, b.ID, b.WorkspaceID, b.Name, millis(now), millis(now))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("insert board: %w", err)
	}
	return b, nil
}

// Board returns one board of the workspace.
func (s *Store) Board(ctx context.Context, workspaceID, id string) (*feedwire.Board, error) {
	return boards.get(ctx, s.read, workspaceID, id)
}

// Boards returns one page of the workspace's boards, newest first.
func (s *Store) Boards(ctx context.Context, workspaceID string, p feedwire.ListParams) (*feedwire.Page[feedwire.Board], error) {
	return boards.list(ctx, s.read, workspaceID, p, "")
}

// UpdateBoard renames a board.
func (s *Store) UpdateBoard(ctx context.Context, workspaceID, id string, p feedwire.BoardPatch) (*feedwire.Board, error) {
	var out *feedwire.Board
	err := s.inTx(ctx, func(tx *txn) error {
		b, err := boards.get(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		var problems feedwire.Problems
		if p.Name.Set && p.Name.Null {
			problems.Add("name", "must not be null")
		} else if p.Name.Set {
			b.Name = p.Name.Value
		}
		if err := problems.Err(); err != nil {
			return err
		}
		if err := b.Validate(); err != nil {
			return err
		}
		b.UpdatedAt = s.clock()
		_, err = tx.ExecContext(ctx, `UPDATE boards SET name = ?, updated_at = ? WHERE id = ?`, b.Name, millis(b.UpdatedAt), b.ID)
		out = b
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreatePostStatus stores a new status; it is not the default.
func (s *Store) CreatePostStatus(ctx context.Context, workspaceID string, in feedwire.PostStatusInput) (*feedwire.PostStatus, error) {
	st := &feedwire.PostStatus{Name: in.Name, Color: in.Color, Type: in.Type}
	if err := st.Validate(); err != nil {
		return nil, err
	}
	now := s.clock()
	st.ID, st.WorkspaceID, st.CreatedAt, st.UpdatedAt = newObjectID(now), workspaceID, now, now
	if err := s.inTx(ctx, func(tx *txn) error { return insertPostStatus(ctx, tx, st) }); err != nil {
		return nil, err
	}
	return st, nil
}

func insertPostStatus(ctx context.Context, tx *txn, st *feedwire.PostStatus) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO post_statuses (id, workspace_id, name, color, type, is_default,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, st.ID, st.WorkspaceID, st.Name, st.Color, st.Type,
		st.IsDefault, millis(st.CreatedAt), millis(st.UpdatedAt))
	if err != nil {
		return fmt.Errorf("insert post status: %w", err)
	}
	return nil
}

// PostStatus returns one status of the workspace.
func (s *Store) PostStatus(ctx context.Context, workspaceID, id string) (*feedwire.PostStatus, error) {
	return postStatuses.get(ctx, s.read, workspaceID, id)
}

// PostStatuses returns one page of the workspace's statuses, newest first.
func (s *Store) PostStatuses(ctx context.Context, workspaceID string, p feedwire.ListParams) (*feedwire.Page[feedwire.PostStatus], error) {
	return postStatuses.list(ctx, s.read, workspaceID, p, "")
}

// UpdatePostStatus applies a patch. Posts embed their status, so each post that shows
// a changed status emits post.updated: those of this status, and when it becomes the
// default, those of the status that was the default until now.
func (s *Store) UpdatePostStatus(ctx context.Context, workspaceID, id string, p feedwire.PostStatusPatch) (*feedwire.PostStatus, error) {
	var out *feedwire.PostStatus
	err := s.inTx(ctx, func(tx *txn) error {
		st, err := postStatuses.get(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		before := *st
		if err := p.Apply(st); err != nil {
			return err
		}
		if *st == before {
			out = st
			return nil
		}
		changed := []string{st.ID}
		var previousDefault string
		if st.IsDefault && !before.IsDefault {
			err := tx.QueryRowContext(ctx, `SELECT id FROM post_statuses WHERE workspace_id = ? AND is_default = TRUE`,
				workspaceID).Scan(&previousDefault)
			if err != nil {
				return fmt.Errorf("update post status: %w", err)
			}
			changed = append(changed, previousDefault)
		}
		shown, err := s.showingStatuses(ctx, tx, workspaceID, changed...)
		if err != nil {
			return err
		}
		st.UpdatedAt = s.clock()
		if previousDefault != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE post_statuses SET is_default = FALSE, updated_at = ? WHERE id = ?`,
				millis(st.UpdatedAt), previousDefault); err != nil {
				return fmt.Errorf("update post status: %w", err)
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE post_statuses SET name = ?, color = ?, type = ?, is_default = ?, updated_at = ?
			WHERE id = ?`, st.Name, st.Color, st.Type, st.IsDefault, millis(st.UpdatedAt), st.ID)
		if err != nil {
			return fmt.Errorf("update post status: %w", err)
		}
		out = st
		return s.announce(ctx, tx, shown, st.UpdatedAt)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreatePost stores a new post and its post.created event.
func (s *Store) CreatePost(ctx context.Context, workspaceID string, in feedwire.PostInput) (*feedwire.Post, error) {
	p := in.Post()
	if err := p.Validate(); err != nil {
		return nil, err
	}
	now := s.clock()
	p.ID, p.WorkspaceID, p.CreatedAt, p.UpdatedAt = newObjectID(now), workspaceID, now, now
	err := s.inTx(ctx, func(tx *txn) error {
		if in.StatusID == nil { // "" is not left out: checkPostRefs refuses it
			if err := tx.QueryRowContext(ctx, `SELECT id FROM post_statuses WHERE workspace_id = ? AND is_default = TRUE`,
				workspaceID).Scan(&p.StatusID); err != nil {
				return fmt.Errorf("default post status: %w", err)
			}
		}
		if err := checkPostRefs(ctx, tx, &p); err != nil {
			return err
		}
		if err := checkNotBot(ctx, tx, workspaceID, "authorId", p.AuthorID, "posts are written by people: post.created announces a user or an admin creating one"); err != nil {
			return err
		}
		slug, err := uniqueSlug(ctx, tx, "posts", workspaceID, feedwire.Slugify(p.Title))
		if err != nil {
			return err
		}
		p.Slug = slug
		tags, fields, err := encodePostLists(&p)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO posts (id, workspace_id, slug, title, content, board_id, author_id,
			status_id, tags, is_pinned, in_review, eta, assignee_id, custom_fields, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, workspaceID, p.Slug, p.Title, p.Content, p.BoardID, p.AuthorID, p.StatusID, tags, p.IsPinned,
			p.InReview, nullMillis(p.ETA), p.AssigneeID, fields, millis(now), millis(now))
		if err != nil {
			return fmt.Errorf("insert post: %w", err)
		}
		if err := s.resolvePost(ctx, tx, &p); err != nil {
			return err
		}
		ev, err := wire.PostEvent("post.created", nil, &p)
		if err != nil {
			return err
		}
		return recordEvent(ctx, tx, ev, workspaceID, p.ID, now)
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// Post returns one post of the workspace.
func (s *Store) Post(ctx context.Context, workspaceID, id string) (*feedwire.Post, error) {
	return s.getPost(ctx, s.read, workspaceID, id)
}

// PostBySlug returns the post of the workspace whose URL ends with slug.
func (s *Store) PostBySlug(ctx context.Context, workspaceID, slug string) (*feedwire.Post, error) {
	found, err := posts.query(ctx, s.read, workspaceID, "slug = ?", slug)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, feedwire.NotFound("no post with slug %q", slug)
	}
	p := &found[0] // the slug is unique in the workspace
	return p, s.resolvePost(ctx, s.read, p)
}

// Posts returns one page of the workspace's posts, newest first.
func (s *Store) Posts(ctx context.Context, workspaceID string, lp feedwire.ListParams) (*feedwire.Page[feedwire.Post], error) {
	page, err := posts.list(ctx, s.read, workspaceID, lp, "")
	if err != nil {
		return nil, err
	}
	for i := range page.Items {
		if err := s.resolvePost(ctx, s.read, &page.Items[i]); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// UpdatePost applies a patch and stores the post.updated event it causes. A patch that
// changes nothing writes nothing and emits nothing.
func (s *Store) UpdatePost(ctx context.Context, workspaceID, id string, pp feedwire.PostPatch) (*feedwire.Post, error) {
	var out *feedwire.Post
	err := s.inTx(ctx, func(tx *txn) error {
		before, err := s.getPost(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		after := *before
		if err := pp.Apply(&after); err != nil {
			return err
		}
		if err := checkPostRefs(ctx, tx, &after); err != nil {
			return err
		}
		now := s.clock()
		after.UpdatedAt = now
		if err := s.resolvePost(ctx, tx, &after); err != nil {
			return err
		}
		ev, err := wire.PostEvent("post.updated", before, &after)
		if err != nil || ev == nil {
			out = before
			return err
		}
		tags, fields, err := encodePostLists(&after)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE posts SET title = ?, content = ?, board_id = ?, status_id = ?, tags = ?,
			is_pinned = ?, in_review = ?, eta = ?, assignee_id = ?, custom_fields = ?, updated_at = ? WHERE id = ?`,
			after.Title, after.Content, after.BoardID, after.StatusID, tags, after.IsPinned, after.InReview,
			nullMillis(after.ETA), after.AssigneeID, fields, millis(now), after.ID)
		if err != nil {
			return fmt.Errorf("update post: %w", err)
		}
		out = &after
		return recordEvent(ctx, tx, ev, workspaceID, after.ID, now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeletePost deletes a post with its comments and votes. Every comment that
// disappears is announced with comment.deleted, replies before their parents, and then
// the post with post.deleted, showing it as it was before the request. Its votes go
// without a post.voted of their own: no voter removed one, and post.deleted says that
// the post, with its upvotes, is gone.
func (s *Store) DeletePost(ctx context.Context, workspaceID, id string) error {
	return s.inTx(ctx, func(tx *txn) error {
		p, err := s.getPost(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		doomed, err := queryComments(ctx, tx, workspaceID, "post_id = ? ORDER BY parent_comment_id IS NULL, created_at, id", p.ID)
		if err != nil {
			return err
		}
		now := s.clock()
		if err := deleteComments(ctx, tx, doomed, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM posts WHERE id = ?`, p.ID); err != nil {
			return fmt.Errorf("delete post: %w", err)
		}
		ev, err := wire.PostEvent("post.deleted", nil, p)
		if err != nil {
			return err
		}
		return recordEvent(ctx, tx, ev, workspaceID, p.ID, now)
	})
}

// Vote adds or removes a user's vote and emits post.voted. The post's upvotes follow,
// without a post.updated: the vote is the event.
func (s *Store) Vote(ctx context.Context, workspaceID, postID, voterID string, action feedwire.VoteAction) (*feedwire.Post, error) {
	var out *feedwire.Post
	err := s.inTx(ctx, func(tx *txn) error {
		p, err := s.getPost(ctx, tx, workspaceID, postID)
		if err != nil {
			return err
		}
		if err := lockParent(ctx, tx, "posts", p.ID); err != nil {
			return err
		}
		// A vote to remove is named by its voter: one who does not exist has none, and
		// that is not found. A voter to add is a reference to check, and invalid.
		voter, err := users.get(ctx, tx, workspaceID, voterID)
		if errors.Is(err, feedwire.ErrNotFound) && action == feedwire.VoteAdd {
			err = feedwire.Invalid("voterId", fmt.Sprintf("no user with id %q", voterID))
		}
		if err != nil {
			return err
		}
		if voter.Type == feedwire.UserBot {
			return feedwire.Invalid("voterId", fmt.Sprintf("user %s is a bot; votes are people's: post.voted announces a user upvoting", voter.ID))
		}
		now := s.clock()
		query, delta := `INSERT INTO post_votes (post_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, 1
		args := []any{p.ID, voter.ID, millis(now)}
		if action == feedwire.VoteRemove {
			query, delta, args = `DELETE FROM post_votes WHERE post_id = ? AND user_id = ?`, -1, args[:2]
		}
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("vote: %w", err)
		}
		out = p
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // the vote was already there, or already gone
		}
		p.Upvotes += delta
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET upvotes = ? WHERE id = ?`, p.Upvotes, p.ID); err != nil {
			return fmt.Errorf("vote: %w", err)
		}
		ev, err := wire.VoteEvent(p.ID, voter, action)
		if err != nil {
			return err
		}
		return recordEvent(ctx, tx, ev, workspaceID, p.ID, now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) getPost(ctx context.Context, q querier, workspaceID, id string) (*feedwire.Post, error) {
	p, err := posts.get(ctx, q, workspaceID, id)
	if err != nil {
		return nil, err
	}
	return p, s.resolvePost(ctx, q, p)
}

// resolvePost fills in the post's author, status and URL.
func (s *Store) resolvePost(ctx context.Context, q querier, p *feedwire.Post) error {
	var err error
	if p.Author, err = users.get(ctx, q, p.WorkspaceID, p.AuthorID); err != nil {
		return fmt.Errorf("post %s: %w", p.ID, err)
	}
	if p.Status, err = postStatuses.get(ctx, q, p.WorkspaceID, p.StatusID); err != nil {
		return fmt.Errorf("post %s: %w", p.ID, err)
	}
	p.URL = s.publicURL + "/p/" + p.Slug
	return nil
}

// checkNotBot refuses a user who is a bot where the topic's trigger names people.
func checkNotBot(ctx context.Context, tx *txn, workspaceID, field, userID, why string) error {
	u, err := getUser(ctx, tx, workspaceID, field, userID)
	if err != nil {
		return err
	}
	if u.Type == feedwire.UserBot {
		return feedwire.Invalid(field, fmt.Sprintf("user %s is a bot; %s", u.ID, why))
	}
	return nil
}

// checkPostRefs checks what a post names; its assignee must be an admin.
func checkPostRefs(ctx context.Context, tx *txn, p *feedwire.Post) error {
	err := checkRefs(ctx, tx, p.WorkspaceID, ref{"boardId", "boards", &p.BoardID}, ref{"authorId", "users", &p.AuthorID},
		ref{"statusId", "post_statuses", &p.StatusID}, ref{"assigneeId", "users", p.AssigneeID})
	if err != nil || p.AssigneeID == nil {
		return err
	}
	assignee, err := users.get(ctx, tx, p.WorkspaceID, *p.AssigneeID)
	if err != nil {
		return err
	}
	if assignee.Type != feedwire.UserAdmin {
		return feedwire.Invalid("assigneeId", fmt.Sprintf("user %s is a %s, not an admin", assignee.ID, assignee.Type))
	}
	return nil
}

// uniqueSlug returns slug, or slug-2, slug-3… if the workspace has it already in the
// table (posts or changelogs).
func uniqueSlug(ctx context.Context, tx *txn, table, workspaceID, slug string) (string, error) {
	candidate := slug
	for n := 2; ; n++ {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM `+table+` WHERE workspace_id = ? AND slug = ?`, workspaceID, candidate).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return candidate, nil
		}
		if err != nil {
			return "", fmt.Errorf("slug: %w", err)
		}
		candidate = slug + "-" + strconv.Itoa(n)
	}
}

func encodePostLists(p *feedwire.Post) (tags, fields string, err error) {
	t, err := json.Marshal(p.Tags)
	if err != nil {
		return "", "", err
	}
	f, err := json.Marshal(p.CustomFields)
	if err != nil {
		return "", "", fmt.Errorf("customFields: %w", err)
	}
	return string(t), string(f), nil
}
