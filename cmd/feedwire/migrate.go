package main

import (
	"context"
	"fmt"

	"github.com/feedwire/feedwire/store"
)

func runMigrate(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "migrate", "Apply the database migrations that have not run yet. serve does this too.",
		"  feedwire migrate --database sqlite:/var/lib/feedwire/feedwire.db")
	database := databaseFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	s, err := openStore(ctx, e, *database)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintln(e.stderr, "migrations applied")
	return nil
}

// openStore opens the database and brings its schema up to date. Its webhook secrets
// are sealed with FEEDWIRE_SECRET_KEY, as serve's are, or the key file.
func openStore(ctx context.Context, e env, dsn string) (*store.Store, error) {
	s, err := store.Open(ctx, dsn, store.Options{SecretKey: e.getenv("FEEDWIRE_SECRET_KEY")})
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}
