package store

import (
	"context"
	"fmt"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

var components = table[feedwire.Component]{
	name:    "components",
	what:    "component",
	columns: "id, client_id, workspace_id, title, description, parent_id, created_at, updated_at",
	scan: func(row scanner) (*feedwire.Component, error) {
		var c feedwire.Component
		err := row.Scan(&c.ID, &c.ClientID, &c.WorkspaceID, &c.Title, &c.Description, &c.ParentID,
			timeColumn{&c.CreatedAt}, timeColumn{&c.UpdatedAt})
		return &c, err
	},
	id: func(c *feedwire.Component) string { return c.ID },
}

// CreateComponent stores a new component and its COMPONENT_CREATED event.
func (s *Store) CreateComponent(ctx context.Context, workspaceID string, in feedwire.ComponentInput) (*feedwire.Component, error) {
	c := in.Component()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	now := s.clock()
	c.ID, c.ClientID, c.WorkspaceID, c.CreatedAt, c.UpdatedAt = newID(now), newClientID("comp_"), workspaceID, now, now
	err := s.inTx(ctx, func(tx *txn) error {
		if err := checkComponentRefs(ctx, tx, &c); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO components (id, client_id, workspace_id, title, description,
			parent_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.ClientID, c.WorkspaceID, c.Title, c.Description, c.ParentID, millis(c.CreatedAt), millis(c.UpdatedAt))
		if err != nil {
			return fmt.Errorf("insert component: %w", err)
		}
		ev, err := wire.ComponentEvent(nil, &c)
		if err != nil {
			return err
		}
		return recordEvent(ctx, tx, ev, workspaceID, c.ID, now)
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Component returns one component of the workspace.
func (s *Store) Component(ctx context.Context, workspaceID, id string) (*feedwire.Component, error) {
	return components.get(ctx, s.read, workspaceID, id)
}

// Components returns one page of the workspace's components, newest first.
func (s *Store) Components(ctx context.Context, workspaceID string, p feedwire.ListParams) (*feedwire.Page[feedwire.Component], error) {
	return components.list(ctx, s.read, workspaceID, p, "")
}

// UpdateComponent applies a patch and stores the COMPONENT_UPDATED event it causes. A
// patch that changes nothing writes nothing and emits nothing.
func (s *Store) UpdateComponent(ctx context.Context, workspaceID, id string, p feedwire.ComponentPatch) (*feedwire.Component, error) {
	var out *feedwire.Component
	err := s.inTx(ctx, func(tx *txn) error {
		before, err := components.get(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		after := *before
		if err := p.Apply(&after); err != nil {
			return err
		}
		now := s.clock()
		after.UpdatedAt = now
		ev, err := wire.ComponentEvent(before, &after)
		if err != nil || ev == nil {
			out = before
			return err
		}
		if err := checkComponentRefs(ctx, tx, &after); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE components SET title = ?, description = ?, parent_id = ?, updated_at = ?
			WHERE id = ?`, after.Title, after.Description, after.ParentID, millis(after.UpdatedAt), after.ID)
		if err != nil {
			return fmt.Errorf("update component: %w", err)
		}
		out = &after
		return recordEvent(ctx, tx, ev, workspaceID, after.ID, now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func checkComponentRefs(ctx context.Context, tx *txn, c *feedwire.Component) error {
	if err := checkRefs(ctx, tx, c.WorkspaceID, ref{"parentId", "components", c.ParentID}); err != nil {
		return err
	}
	return checkParent(ctx, tx, "components", c.ID, c.ParentID)
}
