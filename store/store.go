// Package store keeps feedwire's resources, events and deliveries in SQL: SQLite by
// default, in one file that needs nothing else installed.
//
// Every exported method that writes owns its transaction: a resource, the event its
// change emits and that event's deliveries commit together or not at all.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/filter"
)

// Store is a feedwire database. It implements the service interfaces of package feedwire.
type Store struct {
	engine      engine
	write       conn // writes: SQLite's one connection (see openSQLite), or the Postgres pool
	read        conn // reads: SQLite's read-only connections, or the same Postgres pool
	now         func() time.Time
	afterCommit func(events []feedwire.EventType, deliveries int)
	publicURL   string
	box         *secretBox // seals webhook secrets; see secrets.go
	maxWebhooks int
	owner       *ownerLock // when opened with Options.Owner
	commits     *committer // SQLite's group commit of write transactions
	// node names this store's process in the leases it takes ("node.claim"), so that it
	// can give back its own and never another's.
	node string
	dsn  string // Postgres: for the connection that listens for notifications
	// filters compiles each webhook filter once, for all the events it is applied to.
	filters filter.Cache
	// keys remembers the API keys Authenticate read, for a second.
	keys keyCache
}

// Options tunes a Store.
type Options struct {
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
	// AfterCommit, when set, is called after each commit that stored events, with their
	// types and the number of deliveries they queued, and after each commit that made
	// deliveries due, with no events. The dispatcher wakes on it; metrics count with it.
	AfterCommit func(events []feedwire.EventType, deliveries int)
	// PublicURL is where people reach this feedwire, such as https://feedback.example.com;
	// the conversation topics link to their conversation under it. Defaults to
	// http://127.0.0.1:8080.
	PublicURL string
	// SecretKey seals webhook secrets at rest (AES-256-GCM): 32 random bytes as 64
	// hexadecimal digits or in base64; serve reads it from FEEDWIRE_SECRET_KEY. When
	// empty, the key is read from PATH.key beside the database, or generated there,
	// readable by its owner only, when the database has no sealed secrets yet. A key
	// other than the one that sealed the database's secrets makes Open fail.
	SecretKey string
	// MaxWebhooksPerWorkspace is the most webhooks a workspace may have. Defaults to
	// feedwire.DefaultMaxWebhooksPerWorkspace.
	MaxWebhooksPerWorkspace int
	// Owner makes Open take the database for this process alone until Close: the
	// delivery queue's leases belong to one process, so serve opens with Owner and a
	// second serve on the same file fails to open, saying so. Commands that only write
	// (keys create, migrate) open without it, beside a running serve.
	Owner bool
}

// Open opens the database that dsn names, "sqlite:PATH". It does not apply migrations;
// call Migrate.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PublicURL == "" {
		opts.PublicURL = "http://127.0.0.1:8080"
	}
	if opts.MaxWebhooksPerWorkspace == 0 {
		opts.MaxWebhooksPerWorkspace = feedwire.DefaultMaxWebhooksPerWorkspace
	}
	s := &Store{now: opts.Now, afterCommit: opts.AfterCommit, publicURL: strings.TrimSuffix(opts.PublicURL, "/"),
		box: &secretBox{}, maxWebhooks: opts.MaxWebhooksPerWorkspace, node: newLease()}
	var keyPath string // where the secret key's file is, beside a SQLite database
	switch path, isSQLite := strings.CutPrefix(dsn, "sqlite:"); {
	case strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://"):
		if opts.SecretKey == "" {
			return nil, fmt.Errorf("open %s: a Postgres database needs FEEDWIRE_SECRET_KEY, the same on every node, to seal and open webhook secrets", redact(dsn))
		}
		db, err := openPostgres(ctx, dsn)
		if err != nil {
			return nil, err
		}
		s.engine, s.write, s.read, s.dsn = postgresEngine, conn{db, postgresEngine, nil}, conn{db, postgresEngine, nil}, dsn
	case isSQLite && path != "":
		if opts.Owner {
			var err error
			if s.owner, err = lockOwner(path); err != nil {
				return nil, fmt.Errorf("open %s: %w", dsn, err)
			}
		}
		write, read, err := openSQLite(ctx, path)
		if err != nil {
			s.owner.release()
			return nil, err
		}
		s.write = conn{write, sqliteEngine, newStatements(write)}
		s.read = conn{read, sqliteEngine, newStatements(read)}
		keyPath = path
		s.commits = newCommitter(s, path+"-wal")
	default:
		return nil, fmt.Errorf("open %q: want a database like sqlite:feedwire.db or postgres://user@host/db", redact(dsn))
	}
	if err := s.useSecretKey(ctx, keyPath, opts.SecretKey); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", redact(dsn), err)
	}
	return s, nil
}

// useSecretKey gives the store the key of its webhook secrets and checks that it is the
// one that sealed them.
func (s *Store) useSecretKey(ctx context.Context, path, key string) error {
	sealed, check, err := secretsSealed(ctx, s.read)
	if err != nil {
		return fmt.Errorf("read the secret check: %w", err)
	}
	if err := resolveKey(s.box, path, key, sealed); err != nil {
		return err
	}
	if !sealed {
		return nil
	}
	if got, err := s.box.open(check, checkAAD); err != nil || got != checkText {
		source := "FEEDWIRE_SECRET_KEY"
		if key == "" {
			source = "the key in " + keyFile(path)
		}
		return fmt.Errorf("its webhook secrets were encrypted with another key than %s: start feedwire with the key it was first started with", source)
	}
	return nil
}

// redact hides the password of a database URL, for error messages.
func redact(dsn string) string {
	scheme, rest, _ := strings.Cut(dsn, "://")
	if userinfo, host, ok := strings.Cut(rest, "@"); ok {
		user, _, _ := strings.Cut(userinfo, ":")
		return scheme + "://" + user + ":xxxxx@" + host
	}
	return dsn
}

// Close closes the database.
func (s *Store) Close() error {
	if s.engine == postgresEngine {
		return s.write.Close() // read is the same pool
	}
	s.commits.close()
	return errors.Join(s.read.Close(), s.write.Close(), s.owner.release())
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.read.PingContext(ctx)
}

// txn is a write transaction that remembers what it queued, for AfterCommit.
type txn struct {
	*sql.Tx
	engine     engine
	stmts      *statements // the write pool's prepared statements, on SQLite
	events     []feedwire.EventType
	deliveries int           // deliveries made due
	filters    *filter.Cache // the store's compiled webhook filters
	// shared is set when the transaction holds other callers' writes too (group
	// commit): a caller's cancelled context must then not interrupt a statement, since
	// SQLite rolls back the whole transaction of an interrupted write.
	shared bool
}

// context returns the context a statement of the transaction runs under.
func (tx *txn) context(ctx context.Context) context.Context {
	if tx.shared {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (tx *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = tx.context(ctx)
	if stmt := tx.stmts.lookup(query); stmt != nil {
		return tx.StmtContext(ctx, stmt).ExecContext(ctx, args...)
	}
	return tx.Tx.ExecContext(ctx, tx.engine.bind(query), args...)
}

func (tx *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = tx.context(ctx)
	if stmt := tx.stmts.lookup(query); stmt != nil {
		return tx.StmtContext(ctx, stmt).QueryContext(ctx, args...)
	}
	return tx.Tx.QueryContext(ctx, tx.engine.bind(query), args...)
}

func (tx *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = tx.context(ctx)
	if stmt := tx.stmts.lookup(query); stmt != nil {
		return tx.StmtContext(ctx, stmt).QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, tx.engine.bind(query), args...)
}

// claimTx runs a claim's transaction. On Postgres it runs at read committed, where
// FOR UPDATE SKIP LOCKED lets nodes claim side by side without failing each other's
// transactions; a row locked by one claim is passed over by the others, and the lease
// it gets moves it out of their reach once committed.
func (s *Store) claimTx(ctx context.Context, fn func(tx *txn) error) error {
	if s.engine != postgresEngine {
		// A lease outlives no crash on SQLite: a starting serve releases every one.
		// So a claim need not wait for the disk; see committer.
		tx, err := s.commits.do(ctx, fn, volatile)
		s.committed(tx, err)
		return err
	}
	tx, err := s.readCommittedTx(ctx, fn)
	s.committed(tx, err)
	return err
}

// committed tells AfterCommit what a transaction that committed (err == nil) stored.
func (s *Store) committed(tx *txn, err error) {
	if err == nil && s.afterCommit != nil && (len(tx.events) > 0 || tx.deliveries > 0) {
		s.afterCommit(tx.events, tx.deliveries)
	}
}

// readCommittedTx runs fn in a Postgres transaction at read committed and commits it.
func (s *Store) readCommittedTx(ctx context.Context, fn func(tx *txn) error) (*txn, error) {
	return s.tryTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, fn)
}

// notifyDeliveries tells every node listening (WatchDeliveries) that this transaction
// made deliveries due; Postgres sends the notification when, and only if, it commits.
func (tx *txn) notifyDeliveries(ctx context.Context) error {
	if tx.engine != postgresEngine || tx.deliveries == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_notify(?, '')`, deliveriesChannel)
	return err
}

// maxTxAttempts bounds how often a Postgres transaction runs again after losing to
// another one; each loss means the other committed, so the system moves on.
const maxTxAttempts = 40

// retryDelay is how long a transaction that lost waits before running again: a random
// time up to a bound that doubles from 2 ms to 128 ms, so that many writers of one row
// (votes on a popular post) spread out instead of colliding again.
func retryDelay(attempt int) time.Duration {
	bound := time.Millisecond << min(attempt, 7)
	return time.Duration(rand.Int64N(int64(bound))) + time.Millisecond
}

// inTx runs fn in a write transaction and commits it if fn returns nil.
//
// On SQLite the one write connection runs transactions one at a time, committing those
// that queue up together (see committer). On Postgres they
// run side by side at the serializable level, so each behaves as if it ran alone, as
// on SQLite: the checks a write makes (a reference exists, a limit is not reached, a
// slug is free) still hold when it commits. A transaction that loses to another is run
// again, fn and all; fn must not keep anything from a failed run but what it sets
// anew.
func (s *Store) inTx(ctx context.Context, fn func(tx *txn) error) error {
	return s.writeTx(ctx, sql.LevelSerializable, fn)
}

// insertTx is inTx for a write that only adds rows, whose every check the database
// makes itself at commit (a foreign key's row exists, a unique column is unique): a
// new resource and its event and deliveries. On Postgres it runs at read committed.
// At the serializable level such writes, side by side, failed one another by the
// thousand for nothing: each one's foreign keys read the index pages (the newest
// event's, the workspace's) that the others write into, and Postgres tracks those
// reads by the page.
func (s *Store) insertTx(ctx context.Context, fn func(tx *txn) error) error {
	return s.writeTx(ctx, sql.LevelReadCommitted, fn)
}

// writeTx runs fn in a write transaction, at isolation on Postgres, run again while it
// loses to others.
func (s *Store) writeTx(ctx context.Context, isolation sql.IsolationLevel, fn func(tx *txn) error) error {
	return s.writeTxAs(ctx, isolation, durable, fn)
}

// writeTxAs is writeTx for a write of durability d on SQLite (see committer).
func (s *Store) writeTxAs(ctx context.Context, isolation sql.IsolationLevel, d durability, fn func(tx *txn) error) error {
	for attempt := 1; ; attempt++ {
		var tx *txn
		var err error
		if s.commits != nil {
			tx, err = s.commits.do(ctx, fn, d)
		} else {
			tx, err = s.tryTx(ctx, &sql.TxOptions{Isolation: isolation}, fn)
		}
		if err == nil {
			s.committed(tx, nil)
			return nil
		}
		if !retryable(err) || attempt == maxTxAttempts {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(retryDelay(attempt)):
		}
	}
}

// tryTx runs fn in one transaction with opts and commits it.
func (s *Store) tryTx(ctx context.Context, opts *sql.TxOptions, fn func(tx *txn) error) (*txn, error) {
	sqlTx, err := s.write.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer sqlTx.Rollback()
	tx := &txn{Tx: sqlTx, engine: s.engine, filters: &s.filters}
	if err := fn(tx); err != nil {
		return nil, err
	}
	if err := tx.notifyDeliveries(ctx); err != nil {
		return nil, err
	}
	if err := sqlTx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return tx, nil
}

// clock returns the current time at the precision the wire formats keep.
func (s *Store) clock() time.Time {
	return s.now().UTC().Truncate(feedwire.TimePrecision)
}
