package httpapi_test

import (
	"bufio"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/feedwire/feedwire/httpapi"
)

// limitedServer serves handler on inner through a LimitedListener of limit
// connections. Each connection that turns idle is reported on the returned channel.
func limitedServer(t *testing.T, inner net.Listener, limit int, handler http.Handler) (string, <-chan struct{}) {
	t.Helper()
	ln, err := httpapi.LimitListener(inner, limit)
	if err != nil {
		t.Fatal(err)
	}
	idle := make(chan struct{}, 100)
	srv := &http.Server{Handler: handler, IdleTimeout: time.Minute, ReadHeaderTimeout: 5 * time.Second,
		ErrorLog: log.New(io.Discard, "", 0),
		ConnState: func(c net.Conn, state http.ConnState) {
			ln.ConnState(c, state)
			if state == http.StateIdle {
				idle <- struct{}{}
			}
		}}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return inner.Addr().String(), idle
}

func listenLocal(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })

// conn is a client connection kept open between requests.
type conn struct {
	net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) *conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &conn{Conn: c, r: bufio.NewReader(c)}
}

// get sends GET path on c and reads the answer's status.
func (c *conn) get(t *testing.T, path string) int {
	t.Helper()
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// closedWithin reports whether the server closes c within d.
func (c *conn) closedWithin(d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := c.r.ReadByte()
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// TestLimitListenerClosesIdleForNewClient takes every slot with idle keep-alive
// connections: a new client is served at once, and only the connection idle longest
// is closed for it.
func TestLimitListenerClosesIdleForNewClient(t *testing.T) {
	const limit = 3
	addr, idle := limitedServer(t, listenLocal(t), limit, okHandler)
	var conns []*conn
	for range limit {
		c := dial(t, addr)
		c.get(t, "/")
		<-idle
		conns = append(conns, c)
	}

	start := time.Now()
	if status := dial(t, addr).get(t, "/"); status != http.StatusOK {
		t.Fatalf("new client: got status %d, want 200", status)
	}
	took := time.Since(start)
	var closed []int
	for i, c := range conns {
		if c.closedWithin(200 * time.Millisecond) {
			closed = append(closed, i)
		}
	}
	t.Logf("new client served in %s; idle connections closed: %v of 0..%d", took.Round(time.Microsecond), closed, limit-1)
	if took > 2*time.Second {
		t.Errorf("new client took %s, want under 2s", took)
	}
	if len(closed) != 1 || closed[0] != 0 {
		t.Errorf("got connections %v closed, want [0], the one idle longest", closed)
	}
}

// TestLimitListenerWaitsWhileAllBusy: with the one slot taken by a request in flight, a
// new client waits, and the request in flight is not cut; when it ends, its connection
// is closed and the new client served.
func TestLimitListenerWaitsWhileAllBusy(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(entered)
			<-release
		}
		io.WriteString(w, "ok")
	})
	addr, _ := limitedServer(t, listenLocal(t), 1, handler)
	busy := dial(t, addr)
	if _, err := io.WriteString(busy, "GET /slow HTTP/1.1\r\nHost: test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	<-entered

	served := make(chan time.Time, 1)
	go func() {
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := client.Get("http://" + addr + "/fast")
		if err == nil {
			resp.Body.Close()
		}
		served <- time.Now()
	}()
	time.Sleep(300 * time.Millisecond) // time for the new client to be served, were it not limited
	released := time.Now()
	close(release)

	busy.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(busy.r, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the request in flight: got %v, %v, want 200", resp, err)
	}
	resp.Body.Close()
	at := <-served
	t.Logf("new client served %s after the request in flight ended", at.Sub(released).Round(time.Microsecond))
	if at.Before(released) {
		t.Errorf("new client served %s before the request in flight ended, want after", released.Sub(at))
	}
	if !busy.closedWithin(2 * time.Second) {
		t.Errorf("the connection of the ended request stayed open, want it closed for the waiting client")
	}
}

// emfileListener fails one Accept with EMFILE once told to, as a process out of file
// descriptors does.
type emfileListener struct {
	net.Listener
	fail atomic.Bool
}

func (l *emfileListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil && l.fail.CompareAndSwap(true, false) {
		c.Close()
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return c, err
}

// TestLimitListenerOutOfFiles: when the process runs out of file descriptors below the
// limit, an idle connection is closed to free one.
func TestLimitListenerOutOfFiles(t *testing.T) {
	inner := &emfileListener{Listener: listenLocal(t)}
	addr, idle := limitedServer(t, inner, 100, okHandler)
	held := dial(t, addr)
	held.get(t, "/")
	<-idle

	inner.fail.Store(true)
	dial(t, addr) // its Accept fails with EMFILE
	closed := held.closedWithin(2 * time.Second)
	t.Logf("idle connection closed after EMFILE: %v", closed)
	if !closed {
		t.Errorf("the idle connection stayed open, want it closed to free a descriptor")
	}
	if status := dial(t, addr).get(t, "/"); status != http.StatusOK {
		t.Errorf("after EMFILE: got status %d, want 200", status)
	}
}

func TestLimitListenerRefusesNoConnections(t *testing.T) {
	if _, err := httpapi.LimitListener(listenLocal(t), 0); err == nil {
		t.Error("LimitListener(ln, 0): got no error, want one")
	}
}
