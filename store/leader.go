package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Leadership is this node's turn to do the cluster's timed work (unsnoozing, pruning,
// suspension checks, jobs such as replay), which must run on one node at a time.
type Leadership struct {
	conn *sql.Conn // holds the advisory lock; nil on SQLite
	lost chan struct{}
	stop context.CancelFunc
}

// Lost is closed when the leadership ends without Release: the connection that held it
// broke, so another node may lead by now.
func (l *Leadership) Lost() <-chan struct{} { return l.lost }

// Release gives the leadership up.
func (l *Leadership) Release() {
	l.stop()
	if l.conn != nil {
		l.conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, leaderLock)
		l.conn.Close()
	}
}

// leaderLock is the Postgres advisory lock key of leadership ("fwleader" in ASCII).
const leaderLock int64 = 0x66776c6561646572

// leaderPoll is how often a node that does not lead asks again, and how often the
// leader checks that its connection, and so its lock, still holds.
const leaderPoll = time.Second

// Lead waits until this node leads and returns its leadership. On SQLite, where one
// serve owns the database, it leads at once. On Postgres the leader is the node whose
// session holds an advisory lock: when that node dies its session ends, the lock is
// free, and the next node to ask takes it over.
func (s *Store) Lead(ctx context.Context) (*Leadership, error) {
	watch, stop := context.WithCancel(context.Background())
	l := &Leadership{lost: make(chan struct{}), stop: stop}
	if s.engine != postgresEngine {
		return l, nil
	}
	for {
		conn, err := s.write.Conn(ctx)
		if err == nil {
			var got bool
			if err = conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, leaderLock).Scan(&got); err == nil && got {
				l.conn = conn
				go l.watch(watch)
				return l, nil
			}
			conn.Close()
		}
		select {
		case <-ctx.Done():
			stop()
			return nil, fmt.Errorf("lead: %w", ctx.Err())
		case <-time.After(leaderPoll):
		}
	}
}

// watch closes lost when the connection holding the lock stops answering.
func (l *Leadership) watch(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(leaderPoll):
		}
		if err := l.conn.PingContext(ctx); err != nil && ctx.Err() == nil {
			close(l.lost)
			return
		}
	}
}
