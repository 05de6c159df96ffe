package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/feedwire/feedwire"
)

// ref is one reference a write makes: the request field that holds it, the table it
// points into, and the id (nil when the field is null).
type ref struct {
	field string
	table string
	id    *string
}

// checkRefs reports every reference that names nothing in the workspace, each as a
// problem of its own field. An empty id names nothing either: null is how a request
// leaves an optional reference unset, and "" reaching the INSERT would fail its foreign
// key as an internal error.
func checkRefs(ctx context.Context, tx *txn, workspaceID string, refs ...ref) error {
	var problems feedwire.Problems
	// Two fields often name the same row (a message's requester is its submitter):
	// it is looked up once.
	exists := map[string]bool{}
	for _, r := range refs {
		if r.id == nil {
			continue
		}
		if strings.TrimSpace(*r.id) == "" {
			problems.Add(r.field, "must not be empty; leave it out or send null for none")
			continue
		}
		key := r.table + " " + *r.id
		found, checked := exists[key]
		if !checked {
			var one int
			err := tx.QueryRowContext(ctx, "SELECT 1 FROM "+r.table+" WHERE workspace_id = ? AND id = ?", workspaceID, *r.id).Scan(&one)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("check %s: %w", r.field, err)
			}
			found = err == nil
			exists[key] = found
		}
		if !found {
			problems.Add(r.field, fmt.Sprintf("no %s with id %q", tableNoun[r.table], *r.id))
		}
	}
	return problems.Err()
}

var tableNoun = map[string]string{
	"users":            "user",
	"boards":           "board",
	"post_statuses":    "post status",
	"posts":            "post",
	"comments":         "comment",
	"messages":         "message",
	"discoveries":      "discovery",
	"discovery_states": "discovery state",
	"components":       "component",
}

// checkParent refuses a parent that would put the row with that id into a cycle: the
// parent itself or any of its ancestors being the row.
func checkParent(ctx context.Context, tx *txn, tableName, id string, parentID *string) error {
	if parentID == nil || id == "" {
		return nil
	}
	// UNION, not UNION ALL, so the walk ends even if the tree already holds a cycle.
	query := `WITH RECURSIVE ancestors (id, parent_id) AS (
			SELECT id, parent_id FROM ` + tableName + ` WHERE id = ?
			UNION
			SELECT t.id, t.parent_id FROM ` + tableName + ` t JOIN ancestors a ON t.id = a.parent_id
		)
		SELECT count(*) FROM ancestors WHERE id = ?`
	var loops int
	if err := tx.QueryRowContext(ctx, query, *parentID, id).Scan(&loops); err != nil {
		return fmt.Errorf("check parentId: %w", err)
	}
	if loops > 0 {
		return feedwire.Invalid("parentId", fmt.Sprintf("%q is this %s or one of its descendants; the tree would form a cycle", *parentID, tableNoun[tableName]))
	}
	return nil
}
