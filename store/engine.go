package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
)

// engine is the database a Store keeps its data in. The store's SQL is written once,
// with ? placeholders and what both engines read alike; what differs is here and in
// each engine's migrations.
type engine int

const (
	sqliteEngine engine = iota
	postgresEngine
)

func (e engine) String() string {
	if e == postgresEngine {
		return "postgres"
	}
	return "sqlite"
}

// conn is a pool the store reads or writes through, speaking its engine's placeholders.
type conn struct {
	*sql.DB
	engine engine
	stmts  *statements // SQLite's prepared statements; nil on Postgres
}

func (c conn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if stmt := c.stmts.get(ctx, query); stmt != nil {
		return stmt.ExecContext(ctx, args...)
	}
	return c.DB.ExecContext(ctx, c.engine.bind(query), args...)
}

func (c conn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if stmt := c.stmts.get(ctx, query); stmt != nil {
		return stmt.QueryContext(ctx, args...)
	}
	return c.DB.QueryContext(ctx, c.engine.bind(query), args...)
}

func (c conn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if stmt := c.stmts.get(ctx, query); stmt != nil {
		return stmt.QueryRowContext(ctx, args...)
	}
	return c.DB.QueryRowContext(ctx, c.engine.bind(query), args...)
}

// bind writes a query's ? placeholders as its engine wants them: as they are for
// SQLite, $1, $2 … for Postgres. The store's queries are a few hundred constant
// strings, so each is rewritten once and remembered.
func (e engine) bind(query string) string {
	if e != postgresEngine {
		return query
	}
	if bound, ok := numberedQueries.Load(query); ok {
		return bound.(string)
	}
	bound := numberPlaceholders(query)
	numberedQueries.Store(query, bound)
	return bound
}

var numberedQueries sync.Map // query → the query with numbered placeholders

// numberPlaceholders replaces each ? outside a quoted string with $1, $2 ….
func numberPlaceholders(query string) string {
	var b strings.Builder
	n, quoted := 0, false
	for _, r := range query {
		switch {
		case r == '\'':
			quoted = !quoted
		case r == '?' && !quoted:
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
