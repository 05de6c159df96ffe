package store

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// statements keeps the SQLite statements a pool has prepared, by their text, so that a
// query is parsed and planned once rather than on every call: SQLite spends more time
// parsing a short INSERT than running it. (pgx caches Postgres statements itself.)
//
// The store's queries are a few hundred constant strings, and a few built with a
// varying number of placeholders; past maxStatements, a new text is run unprepared.
type statements struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
	// noted are queries a transaction ran unprepared, to prepare once it ends.
	noted map[string]bool
}

const maxStatements = 512

func newStatements(db *sql.DB) *statements {
	return &statements{db: db, m: map[string]*sql.Stmt{}, noted: map[string]bool{}}
}

// get returns the prepared statement of query, preparing it on first use; nil when
// the cache is full or the query does not prepare (running it then gives its error).
func (s *statements) get(ctx context.Context, query string) *sql.Stmt {
	if s == nil || !cacheable(query) {
		return nil
	}
	return s.prepare(ctx, query)
}

// lookup returns the statement of query if it is prepared already. A transaction uses
// it rather than get: preparing needs a connection of the pool, and on SQLite's write
// pool the transaction holds the only one. What it misses is noted and prepared after
// the transaction ends (prepareNoted).
func (s *statements) lookup(query string) *sql.Stmt {
	if s == nil || !cacheable(query) {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	stmt, ok := s.m[query]
	if !ok && len(s.m)+len(s.noted) < maxStatements {
		s.noted[query] = true
	}
	return stmt
}

// prepare prepares query, unless it is already. The lock is not held while preparing:
// that waits for a connection of the pool, which on SQLite's write pool a transaction
// may hold while it looks up its statements.
func (s *statements) prepare(ctx context.Context, query string) *sql.Stmt {
	s.mu.Lock()
	stmt, ok := s.m[query]
	full := len(s.m) >= maxStatements
	s.mu.Unlock()
	if ok || full {
		return stmt
	}
	stmt, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if earlier, ok := s.m[query]; ok {
		stmt.Close() // another caller prepared it meanwhile
		return earlier
	}
	s.m[query] = stmt
	delete(s.noted, query)
	return stmt
}

// prepareNoted prepares what transactions missed; the pool must have a connection free.
func (s *statements) prepareNoted(ctx context.Context) {
	if s == nil {
		return
	}
	s.mu.Lock()
	var queries []string
	for q := range s.noted {
		queries = append(queries, q)
	}
	clear(s.noted)
	s.mu.Unlock()
	for _, q := range queries {
		s.prepare(ctx, q)
	}
}

// cacheable reports whether query is one statement: a script of several (a migration)
// runs once, as a script.
func cacheable(query string) bool {
	return !strings.Contains(strings.TrimRight(query, "; \n\t"), ";")
}
