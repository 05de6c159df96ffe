package httpapi

import (
	"errors"
	"net"
	"net/http"
	"sync"
	"syscall"
)

// LimitedListener holds at most a fixed number of connections open. When every slot is
// taken and another client connects, it closes the connection that has been idle
// longest (a keep-alive between requests) to make room, and waits only when no
// connection is idle. So clients that merely hold connections open cannot keep out one
// that has a request, yet requests in flight are never cut. The same happens when the
// process runs out of file descriptors before the limit.
//
// It learns which connections are idle from the server's ConnState hook:
//
//	ln := httpapi.LimitListener(inner, 1024)
//	srv := &http.Server{Handler: h, ConnState: ln.ConnState, IdleTimeout: time.Minute}
//	srv.Serve(ln)
type LimitedListener struct {
	net.Listener
	max int

	mu      sync.Mutex
	freed   sync.Cond // signalled when a slot frees or the listener closes
	open    int
	idle    map[net.Conn]uint64 // connections between requests, and when they became idle
	clock   uint64              // orders the idle connections
	waiting int                 // Accepts waiting for a slot
	closed  bool
}

// LimitListener returns ln limited to limit connections at once.
func LimitListener(ln net.Listener, limit int) (*LimitedListener, error) {
	if limit < 1 {
		return nil, errors.New("connection limit: at least 1 connection must be allowed")
	}
	l := &LimitedListener{Listener: ln, max: limit, idle: make(map[net.Conn]uint64)}
	l.freed.L = &l.mu
	return l, nil
}

// Accept waits for a connection and a slot for it.
func (l *LimitedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
			// Out of file descriptors: free one that an idle client holds, so that the
			// server's retry of this Accept finds it.
			l.closeOldestIdle()
		}
		return nil, err
	}
	if err := l.acquire(); err != nil {
		c.Close()
		return nil, err
	}
	return &limitedConn{Conn: c, l: l}, nil
}

// acquire takes a slot, closing idle connections to free one, or waiting for one when
// none is idle.
func (l *LimitedListener) acquire() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.open >= l.max {
		if l.closed {
			return net.ErrClosed
		}
		if c := l.oldestIdleLocked(); c != nil {
			l.mu.Unlock()
			c.Close() // releases its slot
			l.mu.Lock()
			continue
		}
		l.waiting++
		l.freed.Wait()
		l.waiting--
	}
	l.open++
	return nil
}

// closeOldestIdle closes the connection idle longest, if any.
func (l *LimitedListener) closeOldestIdle() {
	l.mu.Lock()
	c := l.oldestIdleLocked()
	l.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

// oldestIdleLocked removes the connection idle longest from the idle set and returns it,
// or nil when none is idle.
func (l *LimitedListener) oldestIdleLocked() net.Conn {
	var oldest net.Conn
	var since uint64
	for c, t := range l.idle {
		if oldest == nil || t < since {
			oldest, since = c, t
		}
	}
	delete(l.idle, oldest)
	return oldest
}

// ConnState is the http.Server hook through which the listener knows which connections
// are idle. A connection that turns idle while an Accept waits for a slot is closed at
// once and its slot handed over.
func (l *LimitedListener) ConnState(c net.Conn, state http.ConnState) {
	l.mu.Lock()
	if state != http.StateIdle {
		delete(l.idle, c)
		l.mu.Unlock()
		return
	}
	if l.waiting == 0 {
		l.clock++
		l.idle[c] = l.clock
		l.mu.Unlock()
		return
	}
	l.mu.Unlock()
	c.Close()
}

// Close closes the listener and wakes the Accept waiting for a slot.
func (l *LimitedListener) Close() error {
	err := l.Listener.Close()
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.freed.Broadcast()
	return err
}

func (l *LimitedListener) release() {
	l.mu.Lock()
	l.open--
	l.mu.Unlock()
	l.freed.Signal()
}

// limitedConn gives its slot back when closed, once however often it is closed.
type limitedConn struct {
	net.Conn
	l    *LimitedListener
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.l.release)
	return err
}
