package store

import (
	"context"
	"fmt"

	"github.com/feedwire/feedwire"
)

var users = table[feedwire.User]{
	name:    "users",
	what:    "user",
	columns: "id, workspace_id, name, email, type, profile_picture, created_at, updated_at",
	scan: func(row scanner) (*feedwire.User, error) {
		var u feedwire.User
		err := row.Scan(&u.ID, &u.WorkspaceID, &u.Name, &u.Email, &u.Type, &u.ProfilePicture,
			timeColumn{&u.CreatedAt}, timeColumn{&u.UpdatedAt})
		return &u, err
	},
	id: func(u *feedwire.User) string { return u.ID },
}

// CreateUser stores a new user.
func (s *Store) CreateUser(ctx context.Context, workspaceID string, in feedwire.UserInput) (*feedwire.User, error) {
	u := in.User()
	if err := u.Validate(); err != nil {
		return nil, err
	}
	now := s.clock()
	u.ID, u.WorkspaceID, u.CreatedAt, u.UpdatedAt = newID(now), workspaceID, now, now
	err := s.inTx(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO users (id, workspace_id, name, email, type, profile_picture,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ID, u.WorkspaceID, u.Name, u.Email, u.Type, u.ProfilePicture, millis(u.CreatedAt), millis(u.UpdatedAt))
		if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// User returns one user of the workspace.
func (s *Store) User(ctx context.Context, workspaceID, id string) (*feedwire.User, error) {
	return users.get(ctx, s.read, workspaceID, id)
}

// Users returns one page of the workspace's users, newest first.
func (s *Store) Users(ctx context.Context, workspaceID string, p feedwire.ListParams) (*feedwire.Page[feedwire.User], error) {
	return users.list(ctx, s.read, workspaceID, p, "")
}

// UpdateUser applies a patch to a user. A patch that changes nothing writes nothing.
// Users have no topic of their own, but the posts and comments they wrote show them:
// each of those emits its post.updated or comment.updated. Conversation parts and
// participants keep the user as they were when they were written or added.
func (s *Store) UpdateUser(ctx context.Context, workspaceID, id string, p feedwire.UserPatch) (*feedwire.User, error) {
	var out *feedwire.User
	err := s.inTx(ctx, func(tx *txn) error {
		before, err := users.get(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		after := *before
		if err := p.Apply(&after); err != nil {
			return err
		}
		if sameUser(before, &after) {
			out = before
			return nil
		}
		if after.Type == feedwire.UserBot && before.Type != feedwire.UserBot {
			if err := checkNoPostsBy(ctx, tx, before.ID); err != nil {
				return err
			}
		}
		shown, err := s.showingUser(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		after.UpdatedAt = s.clock()
		_, err = tx.ExecContext(ctx, `UPDATE users SET name = ?, email = ?, type = ?, profile_picture = ?, updated_at = ?
			WHERE id = ?`, after.Name, after.Email, after.Type, after.ProfilePicture, millis(after.UpdatedAt), after.ID)
		if err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		out = &after
		return s.announce(ctx, tx, shown, after.UpdatedAt)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func sameUser(a, b *feedwire.User) bool {
	return a.Name == b.Name && equalPtr(a.Email, b.Email) && a.Type == b.Type && equalPtr(a.ProfilePicture, b.ProfilePicture)
}

// equalPtr reports whether two nullable values are both null or both hold equal values.
func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// checkNoPostsBy refuses to make a bot of a user who wrote posts or voted: bots do
// neither, and the events that announced them named a person.
func checkNoPostsBy(ctx context.Context, tx *txn, userID string) error {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM posts WHERE author_id = ?) +
		(SELECT count(*) FROM post_votes WHERE user_id = ?)`, userID, userID).Scan(&n)
	if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	if n > 0 {
		return feedwire.Invalid("type", "cannot become bot: the user wrote posts or voted, which bots do not")
	}
	return nil
}
