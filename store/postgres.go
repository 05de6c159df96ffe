package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver for database/sql
)

// openPostgres opens a pool on the database dsn names. Reads and writes share it:
// Postgres runs many writers at once, and the store's transactions are serializable
// (see inTx), so they may.
func openPostgres(ctx context.Context, dsn string) (*sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", redact(dsn), err)
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", redact(dsn), err)
	}
	return db, nil
}

// retryable reports whether a Postgres transaction failed only because another one ran
// beside it (a serialization failure or a deadlock), so that running it again may pass.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// lockParent locks, on Postgres, the row of a parent (a post, a conversation) that a
// write is about to add children to and then update (a vote and the post's upvotes, a
// comment and its count, a part and the conversation's activity). Taking the row's
// update lock first, before the child's foreign key takes its share lock, makes
// concurrent writers of one parent wait for each other, and the loser retry, instead
// of both holding a share lock and then both updating, which Postgres 15 can answer
// with an internal error ("new multixact has more than one updating member"). SQLite
// runs one write at a time and needs nothing.
func lockParent(ctx context.Context, tx *txn, table, id string) error {
	if tx.engine != postgresEngine {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT 1 FROM "+table+" WHERE id = ? FOR NO KEY UPDATE", id)
	if err != nil {
		return fmt.Errorf("lock %s %s: %w", table, id, err)
	}
	return nil
}

// deliveriesChannel is the Postgres channel a commit that made deliveries due notifies,
// so that every node's dispatcher wakes within milliseconds instead of polling.
const deliveriesChannel = "feedwire_deliveries"

// WatchDeliveries calls wake whenever any node commits deliveries that are due, until
// ctx ends. On SQLite, where one process does all the work, the store's AfterCommit
// already says so and it returns at once. A broken connection is made again.
func (s *Store) WatchDeliveries(ctx context.Context, wake func(), logger *slog.Logger) error {
	if s.engine != postgresEngine {
		return nil
	}
	for ctx.Err() == nil {
		if err := s.listen(ctx, wake); err != nil && ctx.Err() == nil {
			logger.Warn("listening for deliveries failed; trying again in a second", "error", err)
		}
		if ctx.Err() != nil {
			break
		}
		wake() // a notification may have been missed while the connection was down
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	return nil
}

func (s *Store) listen(ctx context.Context, wake func()) error {
	conn, err := pgx.Connect(ctx, s.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+deliveriesChannel); err != nil {
		return err
	}
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		wake()
	}
}
