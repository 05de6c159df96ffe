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
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	files, err := fs.Glob(migrations, "migrations/sqlite/*.sql")
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
	return s.inTx(ctx, func(tx *txn) error {
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
