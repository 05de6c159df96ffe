package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// openWithTable opens a SQLite store with one table, t (x INTEGER NOT NULL UNIQUE).
func openWithTable(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "group.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.write.ExecContext(context.Background(), `CREATE TABLE t (x INTEGER NOT NULL UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestGroupCommit: writes that arrive together commit together, in fewer transactions
// than writes; a write that fails or panics is rolled back alone and its neighbours
// commit; a volatile write (a claim) and a durable one each commit.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	s := openWithTable(t)
	insert := func(x int) func(tx *txn) error {
		return func(tx *txn) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO t (x) VALUES (?)`, x)
			return err
		}
	}
	const writers = 3 * maxBatch // more than one batch may hold
	errs := make([]error, writers)
	panics := make([]any, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			defer func() { panics[i] = recover() }()
			fn := insert(i)
			switch i % 10 {
			case 3: // a write that fails half-way: its first insert must not stay
				fn = func(tx *txn) error {
					insert(i)(tx)
					return insert(i)(tx) // a duplicate of its own first insert
				}
			case 7:
				fn = func(tx *txn) error {
					insert(i)(tx)
					panic(fmt.Sprintf("write %d panics", i))
				}
			}
			d := durable
			if i%2 == 1 {
				d = volatile
			}
			_, errs[i] = s.commits.do(ctx, fn, d)
		})
	}
	answered := make(chan struct{})
	go func() { wg.Wait(); close(answered) }()
	select {
	case <-answered:
	case <-time.After(30 * time.Second):
		t.Fatal("some writes were never answered")
	}
	failing := 0
	for i := range writers {
		var want bool // whether row i must be there
		switch i % 10 {
		case 3:
			failing++
			if errs[i] == nil {
				t.Errorf("write %d: no error, want the duplicate refused", i)
			}
		case 7:
			failing++
			if panics[i] == nil {
				t.Errorf("write %d: did not panic in its caller", i)
			}
		default:
			want = true
			if errs[i] != nil || panics[i] != nil {
				t.Errorf("write %d: err %v, panic %v", i, errs[i], panics[i])
			}
		}
		var n int
		if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM t WHERE x = ?`, i).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if (n == 1) != want {
			t.Errorf("row %d: %d stored, want stored %v", i, n, want)
		}
	}
	batches := s.commits.batches.Load()
	t.Logf("%d writes, %d of them failing or panicking, committed in %d transactions", writers, failing, batches)
	if batches >= int64(writers-failing) {
		t.Errorf("%d transactions for %d successful writes: none were grouped", batches, writers-failing)
	}
}

// TestGroupCommitCallerGone: a write whose caller has gone before it runs is not run.
func TestGroupCommitCallerGone(t *testing.T) {
	s, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "gone.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	_, err = s.commits.do(ctx, func(tx *txn) error { ran = true; return nil }, durable)
	if !errors.Is(err, context.Canceled) || ran {
		t.Errorf("err = %v, ran = %v; want context.Canceled and not run", err, ran)
	}
}

// TestDurableWritesWaitForTheSync: a durable write is answered only once the
// write-ahead log is synced after its commit; meanwhile the committer commits other
// batches, and one sync answers every batch committed before it began. A volatile
// write is answered at commit when nothing durable is unsynced, and after the sync
// when something is. A failed sync fails the writes it held, and no write commits
// after it.
func TestDurableWritesWaitForTheSync(t *testing.T) {
	ctx := context.Background()
	s := openWithTable(t)
	syncing := make(chan struct{})
	release := make(chan error)
	s.commits.syncWAL = func() error { // set before any write: the writes' channels order it before its use
		syncing <- struct{}{}
		return <-release
	}
	write := func(x int, d durability) chan error { return insertAsync(s, x, d) }
	committed := func(x int) bool {
		var n int
		if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM t WHERE x = ?`, x).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	notYet := func(name string, done chan error) {
		select {
		case err := <-done:
			t.Fatalf("%s answered (err %v) before the sync that makes it durable", name, err)
		case <-time.After(50 * time.Millisecond):
		}
	}

	if err := <-write(1, volatile); err != nil { // nothing unsynced: answered at commit, no sync
		t.Fatalf("a volatile write with nothing to sync: %v", err)
	}
	first := write(2, durable)
	<-syncing // the first durable write has committed; its sync is under way
	if !committed(2) {
		t.Fatal("the first write is not committed while its sync runs")
	}
	notYet("the first durable write", first)
	// A volatile write now may read what is not yet on disk: it waits for a sync too.
	claim := write(3, volatile)
	second, third := write(4, durable), write(5, durable)
	deadline := time.Now().Add(10 * time.Second)
	for !committed(3) || !committed(4) || !committed(5) {
		if time.Now().After(deadline) {
			t.Fatal("the committer did not commit other writes while a sync ran")
		}
		time.Sleep(5 * time.Millisecond)
	}
	notYet("a durable write committed during a sync", second)
	notYet("a volatile write committed while a durable one was unsynced", claim)

	release <- nil
	if err := <-first; err != nil {
		t.Fatalf("the first durable write: %v", err)
	}
	notYet("a durable write committed after its sync began", second)
	<-syncing // one sync for every write committed meanwhile
	release <- nil
	for _, done := range []chan error{claim, second, third} {
		if err := <-done; err != nil {
			t.Fatalf("a write: %v", err)
		}
	}

	failed := write(6, durable)
	<-syncing
	release <- errors.New("disk gone")
	if err := <-failed; err == nil || !strings.Contains(err.Error(), "disk gone") {
		t.Fatalf("a write whose sync failed: err = %v, want the sync's error", err)
	}
	// After a failed sync nothing commits: what the log held may be lost.
	for _, d := range []durability{durable, volatile} {
		if err := <-write(7, d); err == nil || !strings.Contains(err.Error(), "disk gone") {
			t.Errorf("a write after a failed sync: err = %v, want the sync's error", err)
		}
	}
	if committed(7) {
		t.Error("a write after a failed sync committed")
	}
}

// TestVolatileWritesDoNotWaitForRecords: an attempt's record (durableRecord) is
// answered once synced, like any durable write, but a volatile write (a claim)
// committed while it is unsynced is answered at its commit.
func TestVolatileWritesDoNotWaitForRecords(t *testing.T) {
	s := openWithTable(t)
	syncing := make(chan struct{})
	release := make(chan error)
	ended := make(chan struct{})
	t.Cleanup(func() { close(ended) }) // before the store closes: a failed test leaves no sync hanging
	s.commits.syncWAL = func() error {
		select {
		case syncing <- struct{}{}:
		case <-ended:
			return nil
		}
		select {
		case err := <-release:
			return err
		case <-ended:
			return nil
		}
	}
	write := func(x int, d durability) chan error { return insertAsync(s, x, d) }
	record := write(1, durableRecord)
	<-syncing // the record has committed; its sync is under way
	select {
	case err := <-record:
		t.Fatalf("a record answered (err %v) before its sync", err)
	case <-time.After(50 * time.Millisecond):
	}
	select {
	case err := <-write(2, volatile):
		if err != nil {
			t.Fatalf("a volatile write: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a volatile write waited for a record's sync")
	}
	release <- nil
	if err := <-record; err != nil {
		t.Fatalf("the record: %v", err)
	}
}

// TestWALSyncFailureSticks: once the log failed to sync, what it held may be lost
// whatever a later sync says, so every later sync fails too. The log file is opened
// again when SQLite made a new one.
func TestWALSyncFailureSticks(t *testing.T) {
	s := openWithTable(t)
	syncs := 0
	s.commits.syncWAL = func() error { // no write runs: the syncer never calls it
		if syncs++; syncs == 1 {
			return errors.New("disk gone")
		}
		return nil
	}
	for range 2 {
		if err := s.commits.sync(); err == nil || !strings.Contains(err.Error(), "disk gone") {
			t.Fatalf("sync: err = %v, want the first failure's", err)
		}
	}

	w := walFile{path: filepath.Join(t.TempDir(), "missing-wal")}
	if err := w.sync(); err == nil {
		t.Fatal("syncing a log that does not exist succeeded")
	}
	path := filepath.Join(t.TempDir(), "db-wal")
	if err := os.WriteFile(path, []byte("log"), 0o600); err != nil {
		t.Fatal(err)
	}
	w = walFile{path: path}
	defer w.close()
	if err := w.sync(); err != nil {
		t.Fatalf("sync: %v", err)
	}
	// A new log in its place (SQLite made one after its last connection closed).
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("new log"), 0o600); err != nil {
		t.Fatal(err)
	}
	first := w.file
	if err := w.sync(); err != nil || w.file == first {
		t.Fatalf("sync of a new log: err %v, reopened %v", err, w.file != first)
	}
	w.path = os.DevNull // a device that cannot sync
	if err := w.sync(); err == nil {
		t.Fatalf("a sync of %s succeeded", os.DevNull)
	}
}

// insertAsync inserts x into t through the committer with durability d, and returns
// where the write's answer will come.
func insertAsync(s *Store, x int, d durability) chan error {
	done := make(chan error, 1)
	go func() {
		_, err := s.commits.do(context.Background(), func(tx *txn) error {
			_, err := tx.ExecContext(context.Background(), `INSERT INTO t (x) VALUES (?)`, x)
			return err
		}, d)
		done <- err
	}()
	return done
}
