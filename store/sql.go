package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/feedwire/feedwire"
)

// querier is what *sql.DB and *sql.Tx have in common, so that reads can run alone or
// inside a write's transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface {
	Scan(dest ...any) error
}

// anys makes strings the arguments of a statement.
func anys(values []string) []any {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return args
}

// millis stores a time as Unix milliseconds.
func millis(t time.Time) int64 { return t.UnixMilli() }

// nullMillis stores a nullable time as Unix milliseconds or NULL.
func nullMillis(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

// timeColumn scans Unix milliseconds into a time.Time.
type timeColumn struct{ dst *time.Time }

func (c timeColumn) Scan(src any) error {
	ms, ok := src.(int64)
	if !ok {
		return fmt.Errorf("scan time: got %T, want int64", src)
	}
	*c.dst = time.UnixMilli(ms).UTC()
	return nil
}

// nullTimeColumn scans Unix milliseconds or NULL into a *time.Time.
type nullTimeColumn struct{ dst **time.Time }

func (c nullTimeColumn) Scan(src any) error {
	if src == nil {
		*c.dst = nil
		return nil
	}
	var t time.Time
	if err := (timeColumn{&t}).Scan(src); err != nil {
		return err
	}
	*c.dst = &t
	return nil
}

// table describes how one resource is kept: its SQL table, its columns and how to scan
// them. Every resource table has id and workspace_id columns.
type table[T any] struct {
	name    string // the SQL table
	what    string // the resource in messages, e.g. "discovery state"
	columns string // the columns scan reads, in its order
	scan    func(scanner) (*T, error)
	id      func(*T) string
}

// get returns the row with that id in the workspace, or an ErrNotFound error that names
// what was missing. Another workspace's rows are not found either.
func (t table[T]) get(ctx context.Context, q querier, workspaceID, id string) (*T, error) {
	query := "SELECT " + t.columns + " FROM " + t.name + " WHERE workspace_id = ? AND id = ?"
	v, err := t.scan(q.QueryRowContext(ctx, query, workspaceID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, feedwire.NotFound("no %s with id %q", t.what, id)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", t.what, err)
	}
	return v, nil
}

// query returns every row of the workspace that matches where, a condition and its
// ORDER BY ("post_id = ? ORDER BY id") whose arguments are args.
func (t table[T]) query(ctx context.Context, q querier, workspaceID, where string, args ...any) ([]T, error) {
	query := "SELECT " + t.columns + " FROM " + t.name + " WHERE workspace_id = ? AND " + where
	rows, err := q.QueryContext(ctx, query, append([]any{workspaceID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", t.what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := t.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", t.what, err)
		}
		out = append(out, *v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s: %w", t.what, err)
	}
	return out, nil
}

// list returns one page of the workspace's rows, newest first. where, when not empty,
// adds conditions ("AND type = ?") whose arguments are args.
func (t table[T]) list(ctx context.Context, q querier, workspaceID string, p feedwire.ListParams, where string, args ...any) (*feedwire.Page[T], error) {
	if p.Limit < 1 || p.Limit > feedwire.MaxListLimit {
		return nil, feedwire.Invalid("query.limit", fmt.Sprintf("must be from 1 to %d", feedwire.MaxListLimit))
	}
	query := "SELECT " + t.columns + " FROM " + t.name + " WHERE workspace_id = ? " + where
	args = append([]any{workspaceID}, args...)
	if p.After != "" {
		query += " AND id < ?"
		args = append(args, p.After)
	}
	query += " ORDER BY id DESC LIMIT ?"
	args = append(args, p.Limit+1) // one more than asked tells whether there is a next page
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", t.what, err)
	}
	defer rows.Close()
	page := &feedwire.Page[T]{Items: []T{}}
	for rows.Next() {
		v, err := t.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", t.what, err)
		}
		page.Items = append(page.Items, *v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s: %w", t.what, err)
	}
	if len(page.Items) > p.Limit {
		page.Items = page.Items[:p.Limit]
		page.Next = t.id(&page.Items[p.Limit-1])
	}
	return page, nil
}
