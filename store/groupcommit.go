package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
)

// committer runs SQLite's write transactions in batches: group commit.
//
// SQLite has one writer, and a durable commit waits for the disk (fsync), so one
// transaction per write, syncing under the write lock, bounds a server at the disk's
// syncs per second and leaves the writer idle while it waits. The committer takes the
// writes that queued while the previous batch ran, runs each in a savepoint of one
// transaction and commits them together. The commit itself does not wait for the disk
// (synchronous=NORMAL); the syncer then syncs the write-ahead log, outside the write
// lock, while the committer goes on with the next batch, and only once the log is on
// disk is any caller of a durable write answered. One sync serves every batch committed
// before it began. A write that fails rolls back to its savepoint and leaves the
// others alone; a commit or sync that fails fails every write it held, none of which
// was acknowledged.
//
// A lone write waits for no one: a batch is what is queued when its first write
// begins, so at low load each write commits alone.
//
// A write may also be volatile: one whose loss in a crash costs nothing, a claim's
// leases (a starting serve releases every lease). Its caller is answered as soon as
// its batch commits, without waiting for the disk, unless durable writes committed
// before it are not yet synced: it may have read them, and what a claim sends must be
// on disk. Attempts' records are the exception (durableRecord): a claim sends nothing
// they add, so it does not wait for them. Nothing durable is ever acknowledged before
// everything committed ahead of it is on disk, since a sync covers the whole log.
type committer struct {
	s      *Store
	writes chan *groupWrite
	// toSync carries committed batches of durable writes to the syncer.
	toSync chan []*groupWrite
	wal    walFile
	// syncWAL makes the log durable: wal.sync, or a test's stand-in.
	syncWAL func() error
	// unsynced counts the durable writes (not durableRecord) committed and not yet
	// synced. While there are any, a volatile write is answered after the next sync
	// too: it may have read them, and a claim must not send what a power cut could
	// still take back.
	unsynced atomic.Int64
	// syncFailed holds the error of a failed sync. The log may then have lost what
	// it held, whatever later syncs say: no write commits after it, and every batch
	// committed before it learnt of it fails with it, unsynced. The process must
	// restart and recover from what is on disk.
	syncFailed atomic.Pointer[error]
	// batches counts the transactions committed, for tests to see writes grouped.
	batches atomic.Int64
	stop    chan struct{}
	done    chan struct{}
	synced  chan struct{}
	closed  sync.Once
}

// maxBatch bounds the writes one commit holds, so that a flood of writers still sees
// commits at a steady pace.
const maxBatch = 256

// durability says whether a write must be on disk before its caller is answered, and
// whether a volatile write committed after it must wait for that too.
type durability int

const (
	// durable: answered once on disk; so is a volatile write committed after it,
	// which may have read it.
	durable durability = iota
	// durableRecord: answered once on disk, but a volatile write committed after it
	// does not wait for the sync. It is for attempts' records: a claim that reads one
	// sends nothing it added. (It may send a retry the record scheduled; if a crash
	// then takes the record back, the delivery is sent again, as at-least-once
	// delivery allows, and no acknowledged write is lost.) Claims waiting for every
	// record's sync made the drain wait on the disk twice per delivery.
	durableRecord
	// volatile: answered at commit, unless a durable write is unsynced.
	volatile
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

func newCommitter(s *Store, walPath string) *committer {
	c := &committer{
		s: s, writes: make(chan *groupWrite), toSync: make(chan []*groupWrite, 64), wal: walFile{path: walPath},
		stop: make(chan struct{}), done: make(chan struct{}), synced: make(chan struct{}),
	}
	c.syncWAL = c.wal.sync
	go c.run()
	go c.syncLoop()
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

// close stops the committer once every batch committed is synced and answered.
func (c *committer) close() {
	if c == nil {
		return
	}
	c.closed.Do(func() { close(c.stop) })
	<-c.done
	<-c.synced
}

func (c *committer) run() {
	defer close(c.done)
	defer close(c.toSync)
	for {
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
	if failed := c.syncFailed.Load(); failed != nil {
		first.err = *failed
		close(first.result)
		return
	}
	sqlTx, err := c.s.write.BeginTx(ctx, nil)
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
		if w = c.queued(); w == nil {
			break
		}
	}
	if err := sqlTx.Commit(); err != nil {
		c.answer(batch, fmt.Errorf("commit: %w", err))
		return
	}
	c.batches.Add(1)
	var toSync []*groupWrite
	unsynced := c.unsynced.Add(countDurable(batch)) > 0
	for _, w := range batch {
		if w.durability != volatile || unsynced {
			toSync = append(toSync, w)
		} else {
			close(w.result)
		}
	}
	if len(toSync) > 0 {
		c.toSync <- toSync
	}
	c.s.write.stmts.prepareNoted(ctx)
}

// syncLoop makes committed batches durable: it takes every batch committed since the
// last sync began, syncs the write-ahead log once for them all, and answers them.
func (c *committer) syncLoop() {
	defer close(c.synced)
	defer c.wal.close()
	for batch := range c.toSync {
		waiting := batch
	more:
		for {
			select {
			case b, ok := <-c.toSync:
				if !ok {
					break more
				}
				waiting = append(waiting, b...)
			default:
				break more
			}
		}
		err := c.sync()
		c.unsynced.Add(-countDurable(waiting))
		c.answer(waiting, err)
	}
}

// sync syncs the log, unless a sync failed before: then it fails as that one did.
func (c *committer) sync() error {
	if failed := c.syncFailed.Load(); failed != nil {
		return *failed
	}
	err := c.syncWAL()
	if err != nil {
		c.syncFailed.Store(&err)
	}
	return err
}

func countDurable(writes []*groupWrite) int64 {
	n := int64(0)
	for _, w := range writes {
		if w.durability == durable {
			n++
		}
	}
	return n
}

// queued returns a write that is waiting, or nil when none is.
func (c *committer) queued() *groupWrite {
	select {
	case w := <-c.writes:
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
	// The savepoint's statements go through tx too, prepared once like the writes':
	// parsed again for every write they were a twentieth of its cost.
	tx := &txn{Tx: sqlTx, engine: sqliteEngine, stmts: c.s.write.stmts, shared: true, filters: &c.s.filters}
	if _, err := tx.ExecContext(ctx, "SAVEPOINT write"); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	w.panic, w.err = runGuarded(tx, w.fn)
	if w.err == nil && w.panic == nil {
		w.tx = tx
		if w.durability == durableRecord && tx.deliveries > 0 {
			// A record that stored events (a webhook.suspended, a delivery.failed)
			// queued deliveries of them to operational webhooks: no claim may send
			// those before they are on disk.
			w.durability = durable
		}
		_, err := tx.ExecContext(ctx, "RELEASE write")
		return err
	}
	if w.err == nil {
		w.err = fmt.Errorf("panic: %v", w.panic)
	}
	if _, err := tx.ExecContext(ctx, "ROLLBACK TO write"); err != nil {
		return fmt.Errorf("roll back to the savepoint: %w", err)
	}
	_, err := tx.ExecContext(ctx, "RELEASE write")
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

// walFile is SQLite's write-ahead log, which the syncer syncs. It is opened again if
// SQLite made a new one (it deletes the log when its last connection closes, having
// checkpointed it into the database and synced that).
type walFile struct {
	path string
	file *os.File
}

func (w *walFile) sync() error {
	if err := w.open(); err != nil {
		return fmt.Errorf("sync the write-ahead log: %w", err)
	}
	if err := w.file.Sync(); err != nil {
		return fmt.Errorf("sync the write-ahead log (restart feedwire): %w", err)
	}
	return nil
}

func (w *walFile) open() error {
	info, err := os.Stat(w.path)
	if err != nil {
		return err
	}
	if w.file != nil {
		if open, err := w.file.Stat(); err == nil && os.SameFile(open, info) {
			return nil
		}
		w.file.Close()
		w.file = nil
	}
	f, err := os.OpenFile(w.path, os.O_RDWR, 0) // Windows syncs only what it may write
	if err != nil {
		return err
	}
	w.file = f
	return nil
}

func (w *walFile) close() {
	if w.file != nil {
		w.file.Close()
	}
}
