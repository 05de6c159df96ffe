package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"

	_ "modernc.org/sqlite" // registers the "sqlite" driver: pure Go, so CGO_ENABLED=0 builds work
)

// openSQLite opens the file at path twice: once for writing through a single connection
// and once for reading through several.
//
// SQLite allows one writer at a time. Funnelling every write through one connection
// queues writers in Go instead of making them spin on SQLITE_BUSY, and lets readers run
// beside the writer thanks to WAL.
func openSQLite(ctx context.Context, path string) (write, read *sql.DB, err error) {
	if err := makePrivate(path); err != nil {
		return nil, nil, err
	}
	pragmas := url.Values{}
	// WAL: readers never block the writer and the writer never blocks readers.
	pragmas.Add("_pragma", "journal_mode(WAL)")
	// NORMAL: a commit writes the log but does not wait for the disk; checkpoints
	// still sync the log before copying it and the database after. Every write goes
	// through the committer, which syncs the log itself, outside the write lock, before
	// it acknowledges a durable write: so an acknowledged event survives a power cut
	// and not just a crash of this process. See committer.
	pragmas.Add("_pragma", "synchronous(NORMAL)")
	// Foreign keys are off by default in SQLite; the schema relies on them.
	pragmas.Add("_pragma", "foreign_keys(ON)")
	// Another process (feedwire keys create beside a running server) may hold the write
	// lock for a moment; wait for it instead of failing at once.
	pragmas.Add("_pragma", "busy_timeout(10000)")
	// FAST: a value overwritten or deleted is zeroed in its page instead of left in its
	// free space, at no extra I/O; so the plain-text secrets of a database from before
	// sealing leave no copy in the file once sealed.
	pragmas.Add("_pragma", "secure_delete(FAST)")
	// MEMORY: temporary tables and journals, the sub-journal of each savepoint among
	// them (group commit runs every write in one, see committer), stay in memory rather
	// than in temporary files written page by page.
	pragmas.Add("_pragma", "temp_store(MEMORY)")
	// IMMEDIATE: a write transaction takes the write lock when it begins, so it cannot
	// fail half-way when it upgrades from reading to writing.
	pragmas.Set("_txlock", "immediate")

	write, err = sql.Open("sqlite", "file:"+path+"?"+pragmas.Encode())
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	// The committer's durability rests on the write-ahead log: it syncs that file.
	var mode string
	if err := write.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		write.Close()
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	if mode != "wal" {
		write.Close()
		return nil, nil, fmt.Errorf("open %s: SQLite could not use a write-ahead log there (journal mode %q): put the database on a local file system", path, mode)
	}

	pragmas.Del("_txlock")
	pragmas.Add("_pragma", "query_only(ON)")
	read, err = sql.Open("sqlite", "file:"+path+"?"+pragmas.Encode())
	if err != nil {
		write.Close()
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	// Every reader stays open: database/sql keeps only two idle by default, and under
	// load the others were closed and opened again, their statements prepared again,
	// at a sixth of the CPU of a REST write (feedwire bench's ingest profile).
	read.SetMaxOpenConns(readConns)
	read.SetMaxIdleConns(readConns)
	read.SetConnMaxIdleTime(0)
	return write, read, nil
}

// readConns is how many connections read the database at once.
const readConns = 4

// makePrivate creates the database file readable and writable by its owner only, or
// makes an existing one so, with its -wal and -shm files. SQLite creates a database
// 0644 (less the umask) and gives the -wal and -shm files the database's mode, so a
// file made 0600 first keeps all three private.
func makePrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := tighten(p); err != nil {
			return err
		}
	}
	return nil
}

// tighten makes the file at path, if there is one, readable and writable by its owner
// only: files a feedwire from before made 0644, or someone copied.
func tighten(path string) error {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil && info.Mode().Perm()&0o077 != 0 {
		err = os.Chmod(path, 0o600)
	}
	if err != nil {
		return fmt.Errorf("make %s private (mode 0600): %w", path, err)
	}
	return nil
}
