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
	"strings"
	"time"

	"github.com/feedwire/feedwire"
)

// Store is a feedwire database. It implements the service interfaces of package feedwire.
type Store struct {
	write       *sql.DB // the one connection that writes; see openSQLite
	read        *sql.DB // connections that only read
	now         func() time.Time
	afterCommit func(events []feedwire.EventType, deliveries int)
	publicURL   string
	box         *secretBox // seals webhook secrets; see secrets.go
	maxWebhooks int
	owner       *ownerLock // when opened with Options.Owner
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
	path, ok := strings.CutPrefix(dsn, "sqlite:")
	switch {
	case strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://"):
		return nil, fmt.Errorf("open %s: Postgres is not supported yet; use sqlite:PATH", redact(dsn))
	case !ok || path == "":
		return nil, fmt.Errorf("open %q: want a database like sqlite:feedwire.db", dsn)
	}
	if opts.MaxWebhooksPerWorkspace == 0 {
		opts.MaxWebhooksPerWorkspace = feedwire.DefaultMaxWebhooksPerWorkspace
	}
	var owner *ownerLock
	if opts.Owner {
		var err error
		if owner, err = lockOwner(path); err != nil {
			return nil, fmt.Errorf("open %s: %w", dsn, err)
		}
	}
	box := &secretBox{}
	write, read, err := openSQLite(ctx, path)
	if err != nil {
		owner.release()
		return nil, err
	}
	s := &Store{write: write, read: read, now: opts.Now, afterCommit: opts.AfterCommit,
		publicURL: strings.TrimSuffix(opts.PublicURL, "/"), box: box, maxWebhooks: opts.MaxWebhooksPerWorkspace,
		owner: owner}
	if err := s.useSecretKey(ctx, path, opts.SecretKey); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", dsn, err)
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
	return errors.Join(s.read.Close(), s.write.Close(), s.owner.release())
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.read.PingContext(ctx)
}

// txn is a write transaction that remembers what it queued, for AfterCommit.
type txn struct {
	*sql.Tx
	events     []feedwire.EventType
	deliveries int // deliveries made due
}

// inTx runs fn in a write transaction and commits it if fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *txn) error) error {
	sqlTx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer sqlTx.Rollback()
	tx := &txn{Tx: sqlTx}
	if err := fn(tx); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if s.afterCommit != nil && (len(tx.events) > 0 || tx.deliveries > 0) {
		s.afterCommit(tx.events, tx.deliveries)
	}
	return nil
}

// clock returns the current time at the precision the wire formats keep.
func (s *Store) clock() time.Time {
	return s.now().UTC().Truncate(feedwire.TimePrecision)
}
