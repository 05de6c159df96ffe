package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestGroupCommit: writes that arrive together commit together, in fewer transactions
// than writes; a write that fails or panics is rolled back alone and its neighbours
// commit; a volatile write (a claim) and a durable one each commit.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "group.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE t (x INTEGER NOT NULL UNIQUE)`); err != nil {
		t.Fatal(err)
	}
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
