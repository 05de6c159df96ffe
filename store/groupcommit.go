package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// committer runs SQLite's write transactions in batches: group commit.
//
// SQLite has one writer, and with synchronous=FULL each commit waits for the disk
// (fsync), so one transaction per write bounds a server at the disk's syncs per
// second. The committer takes the writes that queued while the previous commit was
// syncing, runs each in a savepoint of one transaction, and commits them together: one
// sync makes the whole batch durable, and only then is any of its callers answered. A
// write that fails rolls back to its savepoint and leaves the others alone; a commit
// that fails fails every write of its batch, none of which was acknowledged.
//
// A lone write waits for no one: a batch is what is queued when its first write
// begins, so at low load each write commits alone, as before.
//
// A write may also be volatile: one whose loss in a crash costs nothing, a claim's
// leases (a starting serve releases every lease). A batch of volatile writes alone
// commits without waiting for the disk (synchronous=OFF), which takes a claim's
// commit from about a millisecond and a half to a fraction; the next durable commit
// syncs the write-ahead log with everything before it, so nothing durable is ever
// written after something that is not.
type committer struct {
	s      *Store
	writes chan *groupWrite
	next   *groupWrite // a durable write that arrived while a volatile batch formed
	syncs  durability  // how the write connection syncs now; it opens durable
	// batches counts the transactions committed, for tests to see writes grouped.
	batches atomic.Int64
	stop    chan struct{}
	done    chan struct{}
	closed  sync.Once
}

// maxBatch bounds the writes one commit holds, so that a flood of writers still sees
// commits at a steady pace.
const maxBatch = 256

// durability says whether a write must be on disk before its caller is answered.
type durability bool

const (
	durable  durability = true
	volatile durability = false
)

// groupWrite is one caller's transaction, waiting for its batch's commit.
type groupWrite struct {
	durability durability
	ctx        context.Context
	fn         func(tx *txn) error
	tx         *txn
	err        error
	panic      any // what fn panicked with, panicked again in the caller's goroutine
	result     chan struct{}
}

var errClosed = errors.New("the store is closed")

func newCommitter(s *Store) *committer {
	c := &committer{s: s, syncs: durable, writes: make(chan *groupWrite), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// do runs fn in the next batch and returns once the batch has committed, or fn failed.
func (c *committer) do(ctx context.Context, fn func(tx *txn) error, d durability) (*txn, error) {
	w := &groupWrite{durability: d, ctx: ctx, fn: fn, result: make(chan struct{})}
	select {
	case c.writes <- w:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.stop:
		return nil, errClosed
	}
	<-w.result // always awaited: fn may be running, and writes to the caller's variables
	if w.panic != nil {
		panic(w.panic)
	}
	return w.tx, w.err
}

// close stops the committer once the batch under way is answered.
func (c *committer) close() {
	if c == nil {
		return
	}
	c.closed.Do(func() { close(c.stop) })
	<-c.done
}

func (c *committer) run() {
	defer close(c.done)
	for {
		if w := c.next; w != nil {
			c.next = nil
			c.commitBatch(w)
			continue
		}
		select {
		case w := <-c.writes:
			c.commitBatch(w)
		case <-c.stop:
			return
		}
	}
}

// commitBatch runs first and every write queued behind it, up to maxBatch, in one
// transaction, and answers each once its fate is known.
func (c *committer) commitBatch(first *groupWrite) {
	// The transaction belongs to no caller: a caller that goes away (a client hanging
	// up) must not interrupt it, since SQLite rolls back the whole transaction of an
	// interrupted write, the other callers' work with it.
	ctx := context.Background()
	sqlTx, err := c.begin(ctx, first.durability)
	if err != nil {
		first.err = fmt.Errorf("begin: %w", err)
		close(first.result)
		return
	}
	defer sqlTx.Rollback()
	var batch []*groupWrite
	w := first
	for ran := 1; ; ran++ {
		if err := c.runOne(ctx, sqlTx, w); err != nil {
			// The transaction can no longer be trusted: this write's savepoint did not
			// roll back. Fail the batch, none of which was acknowledged.
			w.err = err
			close(w.result)
			c.answer(batch, err)
			return
		}
		if w.err != nil {
			close(w.result) // its work is rolled back; it need not wait for the commit
		} else {
			batch = append(batch, w)
		}
		// The bound is checked before taking another write: one taken from the queue
		// and left unrun would never be answered.
		if ran == maxBatch {
			break
		}
		if w = c.queued(first.durability); w == nil {
			break
		}
	}
	if err := sqlTx.Commit(); err != nil {
		c.answer(batch, fmt.Errorf("commit: %w", err))
		return
	}
	c.batches.Add(1)
	c.answer(batch, nil)
	c.s.write.stmts.prepareNoted(ctx)
}

// begin begins a batch's transaction, its commit set to sync as d asks: FULL, waiting
// for the disk, for a durable batch, OFF for a volatile one. SQLite takes the setting
// only between transactions. The connection opens with FULL; if setting it back fails,
// the durable batch fails rather than commit unsynced.
func (c *committer) begin(ctx context.Context, d durability) (*sql.Tx, error) {
	if c.syncs != d {
		mode := "FULL"
		if d == volatile {
			mode = "OFF"
		}
		if _, err := c.s.write.ExecContext(ctx, "PRAGMA synchronous = "+mode); err != nil {
			return nil, err
		}
		c.syncs = d
	}
	return c.s.write.BeginTx(ctx, nil)
}

// queued returns a write that is waiting and may join a batch of this durability, or
// nil when none is. A durable write does not join a volatile batch: it begins the next.
func (c *committer) queued(batch durability) *groupWrite {
	select {
	case w := <-c.writes:
		if batch == volatile && w.durability == durable {
			c.next = w
			return nil
		}
		return w
	default:
		return nil
	}
}

// runOne runs w's fn in a savepoint of sqlTx and rolls back to it if fn fails; w.err
// says how fn did. It returns an error only if the savepoint itself failed.
func (c *committer) runOne(ctx context.Context, sqlTx *sql.Tx, w *groupWrite) error {
	if err := w.ctx.Err(); err != nil {
		w.err = err // its caller has gone; nothing of it ran
		return nil
	}
	if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT write"); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	tx := &txn{Tx: sqlTx, engine: sqliteEngine, stmts: c.s.write.stmts, shared: true}
	w.panic, w.err = runGuarded(tx, w.fn)
	if w.err == nil && w.panic == nil {
		w.tx = tx
		_, err := sqlTx.ExecContext(ctx, "RELEASE write")
		return err
	}
	if w.err == nil {
		w.err = fmt.Errorf("panic: %v", w.panic)
	}
	if _, err := sqlTx.ExecContext(ctx, "ROLLBACK TO write"); err != nil {
		return fmt.Errorf("roll back to the savepoint: %w", err)
	}
	_, err := sqlTx.ExecContext(ctx, "RELEASE write")
	return err
}

// runGuarded runs fn, catching a panic so that the committer lives on.
func runGuarded(tx *txn, fn func(*txn) error) (panicked any, err error) {
	defer func() { panicked = recover() }()
	return nil, fn(tx)
}

func (c *committer) answer(batch []*groupWrite, err error) {
	for _, w := range batch {
		if err != nil {
			w.tx, w.err = nil, err
		}
		close(w.result)
	}
}
