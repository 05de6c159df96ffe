package store

import (
	"context"
	"fmt"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

var discoveryStates = table[feedwire.DiscoveryState]{
	name:    "discovery_states",
	what:    "discovery state",
	columns: "id, workspace_id, name, created_at, updated_at",
	scan: func(row scanner) (*feedwire.DiscoveryState, error) {
		var d feedwire.DiscoveryState
		err := row.Scan(&d.ID, &d.WorkspaceID, &d.Name, timeColumn{&d.CreatedAt}, timeColumn{&d.UpdatedAt})
		return &d, err
	},
	id: func(d *feedwire.DiscoveryState) string { return d.ID },
}

// CreateDiscoveryState stores a new discovery state.
func (s *Store) CreateDiscoveryState(ctx context.Context, workspaceID string, in feedwire.DiscoveryStateInput) (*feedwire.DiscoveryState, error) {
	d := feedwire.DiscoveryState{Name: in.Name}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	now := s.clock()
	d.ID, d.WorkspaceID, d.CreatedAt, d.UpdatedAt = newID(now), workspaceID, now, now
	err := s.inTx(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO discovery_states (id, workspace_id, name, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?)`, d.ID, d.WorkspaceID, d.Name, millis(d.CreatedAt), millis(d.UpdatedAt))
		if err != nil {
			return fmt.Errorf("insert discovery state: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// DiscoveryState returns one discovery state of the workspace.
func (s *Store) DiscoveryState(ctx context.Context, workspaceID, id string) (*feedwire.DiscoveryState, error) {
	return discoveryStates.get(ctx, s.read, workspaceID, id)
}

// DiscoveryStates returns one page of the workspace's discovery states, newest first.
func (s *Store) DiscoveryStates(ctx context.Context, workspaceID string, p feedwire.ListParams) (*feedwire.Page[feedwire.DiscoveryState], error) {
	return discoveryStates.list(ctx, s.read, workspaceID, p, "")
}

// UpdateDiscoveryState applies a patch to a discovery state. A patch that changes nothing
// writes nothing.
func (s *Store) UpdateDiscoveryState(ctx context.Context, workspaceID, id string, p feedwire.DiscoveryStatePatch) (*feedwire.DiscoveryState, error) {
	var out *feedwire.DiscoveryState
	err := s.inTx(ctx, func(tx *txn) error {
		before, err := discoveryStates.get(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		after := *before
		if err := p.Apply(&after); err != nil {
			return err
		}
		if after.Name == before.Name {
			out = before
			return nil
		}
		after.UpdatedAt = s.clock()
		_, err = tx.ExecContext(ctx, `UPDATE discovery_states SET name = ?, updated_at = ? WHERE id = ?`,
			after.Name, millis(after.UpdatedAt), after.ID)
		if err != nil {
			return fmt.Errorf("update discovery state: %w", err)
		}
		out = &after
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

var discoveries = harvestrResource[feedwire.Discovery]{
	table: table[feedwire.Discovery]{
		name:    "discoveries",
		what:    "discovery",
		columns: "id, client_id, workspace_id, title, description, discovery_state_id, parent_id, created_at, updated_at",
		scan: func(row scanner) (*feedwire.Discovery, error) {
			var d feedwire.Discovery
			err := row.Scan(&d.ID, &d.ClientID, &d.WorkspaceID, &d.Title, &d.Description, &d.DiscoveryStateID,
				&d.ParentID, timeColumn{&d.CreatedAt}, timeColumn{&d.UpdatedAt})
			return &d, err
		},
		id: func(d *feedwire.Discovery) string { return d.ID },
	},
	insert: `INSERT INTO discoveries (id, client_id, workspace_id, title, description, discovery_state_id,
		parent_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	insertArgs: func(d *feedwire.Discovery) []any {
		return []any{d.ID, d.ClientID, d.WorkspaceID, d.Title, d.Description, d.DiscoveryStateID, d.ParentID,
			millis(d.CreatedAt), millis(d.UpdatedAt)}
	},
	update: `UPDATE discoveries SET title = ?, description = ?, discovery_state_id = ?, parent_id = ?,
		updated_at = ? WHERE id = ?`,
	updateArgs: func(d *feedwire.Discovery) []any {
		return []any{d.Title, d.Description, d.DiscoveryStateID, d.ParentID, millis(d.UpdatedAt), d.ID}
	},
	checkRefs: func(ctx context.Context, tx *txn, d *feedwire.Discovery) error {
		err := checkRefs(ctx, tx, d.WorkspaceID,
			ref{"discoveryStateId", "discovery_states", d.DiscoveryStateID},
			ref{"parentId", "discoveries", d.ParentID})
		if err != nil {
			return err
		}
		return checkParent(ctx, tx, "discoveries", d.ID, d.ParentID)
	},
	event: wire.DiscoveryEvent,
	touch: func(d *feedwire.Discovery, now time.Time) { d.UpdatedAt = now },
}

// CreateDiscovery stores a new discovery and its DISCOVERY_CREATED event.
func (s *Store) CreateDiscovery(ctx context.Context, workspaceID string, in feedwire.DiscoveryInput) (*feedwire.Discovery, error) {
	d := in.Discovery()
	if err := d.Validate(); err != nil {
		return nil, err
	}
	now := s.clock()
	d.ID, d.ClientID, d.WorkspaceID, d.CreatedAt, d.UpdatedAt = newID(now), newClientID("disc_"), workspaceID, now, now
	if err := discoveries.create(ctx, s, workspaceID, &d, now); err != nil {
		return nil, err
	}
	return &d, nil
}

// Discovery returns one discovery of the workspace.
func (s *Store) Discovery(ctx context.Context, workspaceID, id string) (*feedwire.Discovery, error) {
	return discoveries.get(ctx, s.read, workspaceID, id)
}

// Discoveries returns one page of the workspace's discoveries, newest first.
func (s *Store) Discoveries(ctx context.Context, workspaceID string, p feedwire.ListParams) (*feedwire.Page[feedwire.Discovery], error) {
	return discoveries.list(ctx, s.read, workspaceID, p, "")
}

// UpdateDiscovery applies a patch and stores the DISCOVERY_UPDATED event it causes. A
// patch that changes nothing writes nothing and emits nothing.
func (s *Store) UpdateDiscovery(ctx context.Context, workspaceID, id string, p feedwire.DiscoveryPatch) (*feedwire.Discovery, error) {
	return discoveries.patch(ctx, s, workspaceID, id, p.Apply)
}
