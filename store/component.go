package store

import (
	"context"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

var components = harvestrResource[feedwire.Component]{
	table: table[feedwire.Component]{
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
	},
	insert: `INSERT INTO components (id, client_id, workspace_id, title, description, parent_id, created_at,
		updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
	insertArgs: func(c *feedwire.Component) []any {
		return []any{c.ID, c.ClientID, c.WorkspaceID, c.Title, c.Description, c.ParentID, millis(c.CreatedAt), millis(c.UpdatedAt)}
	},
	update: `UPDATE components SET title = ?, description = ?, parent_id = ?, updated_at = ? WHERE id = ?`,
	updateArgs: func(c *feedwire.Component) []any {
		return []any{c.Title, c.Description, c.ParentID, millis(c.UpdatedAt), c.ID}
	},
	checkRefs: func(ctx context.Context, tx *txn, c *feedwire.Component) error {
		if err := checkRefs(ctx, tx, c.WorkspaceID, ref{"parentId", "components", c.ParentID}); err != nil {
			return err
		}
		return checkParent(ctx, tx, "components", c.ID, c.ParentID)
	},
	event: wire.ComponentEvent,
	touch: func(c *feedwire.Component, now time.Time) { c.UpdatedAt = now },
}

// CreateComponent stores a new component and its COMPONENT_CREATED event.
func (s *Store) CreateComponent(ctx context.Context, workspaceID string, in feedwire.ComponentInput) (*feedwire.Component, error) {
	c := in.Component()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	now := s.clock()
	c.ID, c.ClientID, c.WorkspaceID, c.CreatedAt, c.UpdatedAt = newID(now), newClientID("comp_"), workspaceID, now, now
	if err := components.create(ctx, s, workspaceID, &c, now); err != nil {
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
	return components.patch(ctx, s, workspaceID, id, p.Apply)
}
