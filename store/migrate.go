package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

//go:embed migrations
var migrations embed.FS

// Migrate applies the migrations the database has not seen yet, each in its own
// transaction, and records them in schema_migrations. It is safe to run on every start.
func (s *Store) Migrate(ctx context.Context) error {
	files, err := fs.Glob(migrations, "migrations/"+s.engine.String()+"/*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	slices.Sort(files)
	for _, file := range files {
		if err := s.applyMigration(ctx, file); err != nil {
			return fmt.Errorf("migrate %s: %w", path.Base(file), err)
		}
	}
	// SQL cannot seal: secrets kept in plain text before are sealed here, in Go.
	return s.sealSecrets(ctx)
}

// schemaMigrations records the migrations applied, on either engine.
const schemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

func (s *Store) applyMigration(ctx context.Context, file string) error {
	name := path.Base(file)
	number, _, _ := strings.Cut(name, "_")
	version, err := strconv.Atoi(number)
	if err != nil {
		return fmt.Errorf("name must start with a number: %w", err)
	}
	script, err := migrations.ReadFile(file)
	if err != nil {
		return err
	}
	return s.migrationTx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, schemaMigrations); err != nil {
			return err
		}
		var applied int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&applied); err != nil {
			return err
		}
		if applied > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, string(script)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			version, name, s.clock().UnixMilli())
		return err
	})
}

// migrationTx runs one migration's transaction. On Postgres, where several nodes may
// start at once, each takes a lock that makes the others wait until it commits, and
// runs at read committed, so that a node that waited sees the migration applied and
// skips it rather than apply it twice.
func (s *Store) migrationTx(ctx context.Context, fn func(tx *txn) error) error {
	if s.engine != postgresEngine {
		return s.inTx(ctx, fn)
	}
	_, err := s.readCommittedTx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, migrationLock); err != nil {
			return err
		}
		return fn(tx)
	})
	return err
}

// migrationLock is the Postgres advisory lock key of migrations: any number that other
// users of the database are unlikely to take ("fwmigrat" in ASCII).
const migrationLock int64 = 0x66776d6967726174
