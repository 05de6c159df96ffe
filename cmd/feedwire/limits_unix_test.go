//go:build unix

package main

import (
	"errors"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestIdleConnectionsAreClosed holds 1,000 idle keep-alive connections: a client with a
// request is still served at once, and the server closes the idle ones after
// --idle-timeout.
func TestIdleConnectionsAreClosed(t *testing.T) {
	const n = 1000
	// The test holds both ends of every connection.
	needFiles(t, 2*n+256)
	s := startServer(t, "--idle-timeout", "2s")
	key := s.createKey(t, "acme")

	idle, err := openManyIdle(s, n)
	t.Cleanup(func() {
		for _, c := range idle {
			c.Close()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	opened := time.Now()

	status := freshGet(t, key, s.url+"/v1/users")
	took := time.Since(opened)
	if status != http.StatusOK || took > 2*time.Second {
		t.Errorf("with %d idle connections: got status %d after %s, want 200 within 2s", len(idle), status, took)
	}

	closed := 0
	deadline := opened.Add(2*time.Second + 5*time.Second)
	for _, c := range idle {
		if c.closedWithin(time.Until(deadline)) {
			closed++
		}
	}
	t.Logf("request served in %s beside %d idle connections; %d of them closed by the server %s after they went idle (idle timeout 2s)",
		took.Round(time.Millisecond), len(idle), closed, time.Since(opened).Round(time.Millisecond))
	if closed != n {
		t.Errorf("got %d idle connections closed, want %d", closed, n)
	}
}

// openManyIdle opens n idle keep-alive connections, ten at a time.
func openManyIdle(s *testServer, n int) ([]*rawConn, error) {
	var mu sync.Mutex
	var conns []*rawConn
	var errs []error
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			for range n / 10 {
				c, err := dialIdle(s)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					conns = append(conns, c)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return conns, errors.Join(errs...)
}

// needFiles raises the soft limit on open files to at least n, within the hard limit,
// and skips the test when the hard limit is lower.
func needFiles(t *testing.T, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur >= n {
		return
	}
	if lim.Max < n {
		t.Skipf("needs %d open files, and the hard limit is %d (raise it with ulimit -Hn)", n, lim.Max)
	}
	lim.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
}
