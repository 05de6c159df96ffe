package delivery_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/delivery"
	"github.com/feedwire/feedwire/webhook"
)

// faultSchedule is the retry schedule of every webhook of the fault matrix: a failed
// first attempt is retried this long after it started, unless Retry-After says later.
const faultSchedule = 10 * time.Second

// fault is a receiver on 127.0.0.1 that misbehaves in one way, and what feedwire must
// make of it.
type fault struct {
	name    string
	start   func(t *testing.T, c *clock) (url string) // starts the receiver
	class   feedwire.ErrorClass
	outcome feedwire.Outcome
	next    time.Duration // after the attempt's start, when the outcome is retry
	check   func(t *testing.T, a feedwire.Attempt)
}

// TestReceiverFaults runs one attempt against each hostile receiver at once, through
// the dispatcher and the store, and checks its error class, its outcome and what was
// recorded, within the webhooks' 1s timeout; the heap in use must not grow by more
// than 20 MiB over the whole matrix, a 1 GB body and 10 MB of headers included.
func TestReceiverFaults(t *testing.T) {
	resolver := delivery.StartFakeDNS(t, func(string, int64) ([]netip.Addr, bool) { return nil, false })
	before := heapInUse()
	f := setup(t, options{allowPrivate: true, resolver: resolver})
	ctx := context.Background()
	faults := receiverFaults()
	webhooks := make([]string, len(faults)) // the id of each fault's webhook
	for i, ft := range faults {
		in := feedwire.WebhookInput{
			Name: ft.name, URL: ft.start(t, f.clock), Format: feedwire.FormatHarvestr,
			Topics: []feedwire.EventType{feedwire.MessageCreated}, Timeout: time.Second,
			RetrySchedule: []time.Duration{faultSchedule},
		}
		w := in.Webhook(webhook.NewSecret)
		if err := w.Validate(); err != nil {
			t.Fatalf("%s: %v", ft.name, err)
		}
		// Straight into the store: the harvestr challenge is not what is tried here.
		if err := f.store.CreateWebhook(ctx, f.workspace, &w); err != nil {
			t.Fatalf("%s: %v", ft.name, err)
		}
		webhooks[i] = w.ID
	}

	began := time.Now()
	f.message(t)
	results := map[string]feedwire.Attempt{}
	for range faults {
		r := f.attempt(t)
		results[r.Attempt.WebhookID] = r.Attempt
	}
	elapsed := time.Since(began)
	for i, ft := range faults {
		a := results[webhooks[i]]
		t.Run(ft.name, func(t *testing.T) { checkFault(t, f, ft, a) })
	}
	after := heapInUse()
	t.Logf("%d receivers in %v; heap in use %.1f MiB before, %.1f MiB after; %.1f MiB allocated in all",
		len(faults), elapsed.Round(time.Millisecond), mib(before.HeapInuse), mib(after.HeapInuse), mib(after.TotalAlloc-before.TotalAlloc))
	if grew := int64(after.HeapInuse) - int64(before.HeapInuse); grew > 20<<20 {
		t.Errorf("the heap in use grew by %.1f MiB, want less than 20", float64(grew)/(1<<20))
	}
	// What was allocated on the way, and freed since, counts too: memory must stay flat
	// while an attempt is under way, not only once it is over.
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 64<<20 {
		t.Errorf("the matrix allocated %.1f MiB in all, want less than 64", mib(allocated))
	}
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

func checkFault(t *testing.T, f *fixture, ft fault, a feedwire.Attempt) {
	t.Logf("class %q, outcome %s, next %v, status %d, %v, %d header names, %d body bytes: %s", a.ErrorClass, a.Outcome,
		nextAfter(a), a.ResponseStatus, a.Duration.Round(time.Millisecond), len(a.ResponseHeaders), len(a.ResponseBody), a.ErrorMessage)
	if a.ErrorClass != ft.class || a.Outcome != ft.outcome {
		t.Errorf("class %q, outcome %s; want %q, %s", a.ErrorClass, a.Outcome, ft.class, ft.outcome)
	}
	if ft.outcome == feedwire.OutcomeRetry && nextAfter(a) != ft.next {
		t.Errorf("next attempt %v after the start, want %v", nextAfter(a), ft.next)
	}
	// What comes next is the delivery's: due again at the retry, done, or held while
	// its webhook is suspended.
	d := f.delivery(t, a.DeliveryID)
	wantStatus, wantNext := feedwire.DeliveryPending, a.NextAttemptAt
	switch ft.outcome {
	case feedwire.OutcomeDelivered:
		wantStatus, wantNext = feedwire.DeliverySucceeded, nil
	case feedwire.OutcomeFailed:
		wantStatus, wantNext = feedwire.DeliveryFailed, nil
	case feedwire.OutcomeSuspended:
		wantNext = nil
	}
	if d.Status != wantStatus || (d.NextAttemptAt == nil) != (wantNext == nil) || (wantNext != nil && !d.NextAttemptAt.Equal(*wantNext)) {
		t.Errorf("delivery %s, next attempt %v; want %s, %v", d.Status, d.NextAttemptAt, wantStatus, wantNext)
	}
	if a.Duration > 2*time.Second {
		t.Errorf("the attempt took %v, more than its 1s timeout allows", a.Duration)
	}
	// What the store keeps, and GET /v1/deliveries/{id} shows, is bounded.
	attempts, err := f.store.Attempts(context.Background(), f.workspace, a.DeliveryID)
	if err != nil || len(attempts) != 1 {
		t.Fatalf("stored attempts: %d, %v", len(attempts), err)
	}
	stored := attempts[0]
	if n := headerSize(stored.ResponseHeaders); n > 20<<10 || len(stored.ResponseBody) > feedwire.MaxRecordedBody || len(stored.ErrorMessage) > 1100 {
		t.Errorf("stored %d bytes of headers, %d of body, %d of message; want at most 20 KiB, 16 KiB, 1 KiB",
			n, len(stored.ResponseBody), len(stored.ErrorMessage))
	}
	if ft.check != nil {
		ft.check(t, stored)
	}
}

func receiverFaults() []fault {
	retryAfter := func(status int, value func(now time.Time) string) func(*testing.T, *clock) string {
		return handlerURL(func(c *clock) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", value(c.Now()))
				w.WriteHeader(status)
			}
		})
	}
	seconds := func(s string) func(time.Time) string { return func(time.Time) string { return s } }
	return []fault{
		{name: "500", start: answer(http.StatusInternalServerError),
			class: feedwire.ErrorStatus, outcome: feedwire.OutcomeRetry, next: faultSchedule},
		{name: "503 Retry-After seconds", start: retryAfter(503, seconds("120")),
			class: feedwire.ErrorStatus, outcome: feedwire.OutcomeRetry, next: 2 * time.Minute},
		{name: "503 Retry-After date", start: retryAfter(503, func(now time.Time) string { return now.Add(time.Hour).UTC().Format(http.TimeFormat) }),
			class: feedwire.ErrorStatus, outcome: feedwire.OutcomeRetry, next: time.Hour},
		{name: "503 Retry-After unreadable", start: retryAfter(503, seconds("soon")),
			class: feedwire.ErrorStatus, outcome: feedwire.OutcomeRetry, next: faultSchedule},
		{name: "429 Retry-After", start: retryAfter(429, seconds("300")),
			class: feedwire.ErrorStatus, outcome: feedwire.OutcomeRetry, next: 5 * time.Minute},
		{name: "429 Retry-After beyond the bound", start: retryAfter(429, seconds("99999999")),
			class: feedwire.ErrorStatus, outcome: feedwire.OutcomeRetry, next: 24 * time.Hour},
		{name: "410 Gone", start: answer(http.StatusGone), class: feedwire.ErrorStatus, outcome: feedwire.OutcomeSuspended},
		{name: "hangs past the timeout", start: rawURL("http", func(c net.Conn, _ *bufio.Reader) { io.Copy(io.Discard, c) }),
			class: feedwire.ErrorTimeout, outcome: feedwire.OutcomeRetry, next: faultSchedule},
		// The status came in time: the attempt is judged by it, and the message says
		// that the body did not.
		{name: "trickles its body after a 200", start: rawURL("http", trickle),
			class: "", outcome: feedwire.OutcomeDelivered, check: func(t *testing.T, a feedwire.Attempt) {
				if a.ResponseStatus != 200 || !strings.Contains(a.ErrorMessage, "reading the response body") {
					t.Errorf("status %d, message %q; want 200 and a note on the body", a.ResponseStatus, a.ErrorMessage)
				}
			}},
		{name: "resets the connection", start: rawURL("http", func(c net.Conn, _ *bufio.Reader) {
			c.(*net.TCPConn).SetLinger(0) // close sends RST
		}), class: feedwire.ErrorConnect, outcome: feedwire.OutcomeRetry, next: faultSchedule},
		{name: "closes without answering", start: rawURL("http", func(net.Conn, *bufio.Reader) {}),
			class: feedwire.ErrorConnect, outcome: feedwire.OutcomeRetry, next: faultSchedule},
		{name: "refuses connections", start: refusedURL, class: feedwire.ErrorConnect, outcome: feedwire.OutcomeRetry, next: faultSchedule},
		{name: "untrusted certificate", start: func(t *testing.T, _ *clock) string {
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
			srv.StartTLS()
			t.Cleanup(srv.Close)
			return srv.URL
		}, class: feedwire.ErrorTLS, outcome: feedwire.OutcomeRetry, next: faultSchedule},
		{name: "answers TLS with garbage", start: rawURL("https", writes("garbage, and no TLS\r\n")),
			class: feedwire.ErrorTLS, outcome: feedwire.OutcomeRetry, next: faultSchedule},
		{name: "answers TLS with plain HTTP", start: rawURL("https", writes("HTTP/1.1 400 Bad Request\r\n\r\nthis is not TLS")),
			class: feedwire.ErrorTLS, outcome: feedwire.OutcomeRetry, next: faultSchedule},
		redirect(http.StatusMovedPermanently), redirect(http.StatusFound), redirect(http.StatusTemporaryRedirect),
		{name: "a 1 GB body", start: hugeBody, class: "", outcome: feedwire.OutcomeDelivered, check: func(t *testing.T, a feedwire.Attempt) {
			if len(a.ResponseBody) != feedwire.MaxRecordedBody || !strings.Contains(a.ResponseHeaders.Get(delivery.TruncatedHeader), "body") {
				t.Errorf("recorded %d bytes of body, %s %q; want %d and a note that the body was cut", len(a.ResponseBody),
					delivery.TruncatedHeader, a.ResponseHeaders.Get(delivery.TruncatedHeader), feedwire.MaxRecordedBody)
			}
		}},
		{name: "10 MB of headers", start: rawURL("http", hugeHead), class: feedwire.ErrorConnect, outcome: feedwire.OutcomeRetry, next: faultSchedule,
			check: func(t *testing.T, a feedwire.Attempt) {
				if a.ResponseStatus != 0 || len(a.ResponseHeaders) != 0 || !strings.Contains(a.ErrorMessage, strconv.Itoa(delivery.MaxResponseHeaderBytes)) {
					t.Errorf("status %d, %d headers, message %q; want no answer and a message that gives the bound",
						a.ResponseStatus, len(a.ResponseHeaders), a.ErrorMessage)
				}
			}},
		{name: "many headers within the bound", start: handlerURL(func(*clock) http.HandlerFunc { return manyHeaders }),
			class: "", outcome: feedwire.OutcomeDelivered, check: func(t *testing.T, a feedwire.Attempt) {
				values := 0
				for _, vs := range a.ResponseHeaders {
					values += len(vs)
				}
				marker := a.ResponseHeaders.Get(delivery.TruncatedHeader)
				if values > 101 || headerSize(a.ResponseHeaders) > 17<<10 || !strings.Contains(marker, "left out") || !strings.Contains(marker, "cut to") {
					t.Errorf("recorded %d values, %d bytes, %s %q; want at most 100 values and 16 KiB, and a note of what was cut",
						values, headerSize(a.ResponseHeaders), delivery.TruncatedHeader, marker)
				}
				if a.ResponseHeaders.Get("X-Fake") != "" {
					t.Error("the receiver's own truncation marker was recorded")
				}
			}},
		{name: "Content-Length: abc", start: rawURL("http", writes("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n")),
			class: feedwire.ErrorConnect, outcome: feedwire.OutcomeRetry, next: faultSchedule},
		{name: "garbage instead of HTTP", start: rawURL("http", writes("garbage\r\n\r\n")),
			class: feedwire.ErrorConnect, outcome: feedwire.OutcomeRetry, next: faultSchedule},
		{name: "a name that does not resolve", start: func(*testing.T, *clock) string { return "http://nowhere.invalid/hook" },
			class: feedwire.ErrorDNS, outcome: feedwire.OutcomeRetry, next: faultSchedule, check: func(t *testing.T, a feedwire.Attempt) {
				if a.ErrorMessage != "lookup nowhere.invalid: no such host" {
					t.Errorf("message %q, want lookup nowhere.invalid: no such host, naming no resolver", a.ErrorMessage)
				}
			}},
	}
}

func nextAfter(a feedwire.Attempt) time.Duration {
	if a.NextAttemptAt == nil {
		return 0
	}
	return a.NextAttemptAt.Sub(a.StartedAt)
}

func headerSize(h http.Header) int {
	n := 0
	for name, values := range h {
		for _, v := range values {
			n += len(name) + len(v)
		}
	}
	return n
}

// heapInUse returns the memory statistics once garbage is collected.
func heapInUse() runtime.MemStats {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m
}

// handlerURL starts an httptest server whose handler may read the test clock.
func handlerURL(h func(c *clock) http.HandlerFunc) func(*testing.T, *clock) string {
	return func(t *testing.T, c *clock) string {
		srv := httptest.NewServer(h(c))
		t.Cleanup(srv.Close)
		return srv.URL + "/hook"
	}
}

func answer(status int) func(*testing.T, *clock) string {
	return handlerURL(func(*clock) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }
	})
}

// redirect answers with a redirect to a second receiver, which must get nothing.
func redirect(status int) fault {
	var followed atomic.Int64
	return fault{
		name: fmt.Sprintf("redirect %d", status),
		start: func(t *testing.T, c *clock) string {
			target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed.Add(1) }))
			t.Cleanup(target.Close)
			return handlerURL(func(*clock) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target.URL+"/elsewhere", status) }
			})(t, c)
		},
		class: feedwire.ErrorRedirect, outcome: feedwire.OutcomeRetry, next: faultSchedule,
		check: func(t *testing.T, a feedwire.Attempt) {
			if n := followed.Load(); n != 0 || !strings.Contains(a.ErrorMessage, "/elsewhere; redirects are not followed") {
				t.Errorf("the redirect was followed %d times; message %q", n, a.ErrorMessage)
			}
		},
	}
}

// refusedURL is the address of a port nobody listens on any more.
func refusedURL(t *testing.T, _ *clock) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/hook"
	ln.Close()
	return url
}

// rawURL starts a TCP server on 127.0.0.1 that reads each request's head and body and
// then hands the connection to serve, closing it when serve returns.
func rawURL(scheme string, serve func(c net.Conn, r *bufio.Reader)) func(*testing.T, *clock) string {
	return func(t *testing.T, _ *clock) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var conns sync.Map
		var served sync.WaitGroup
		t.Cleanup(func() {
			ln.Close()
			conns.Range(func(c, _ any) bool { c.(net.Conn).Close(); return true })
			served.Wait()
		})
		served.Go(func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				conns.Store(c, true)
				served.Go(func() {
					defer c.Close()
					r := bufio.NewReader(c)
					if scheme == "http" {
						req, err := http.ReadRequest(r)
						if err != nil {
							return
						}
						io.Copy(io.Discard, req.Body)
					} else {
						c.Read(make([]byte, 512)) // some of the ClientHello
					}
					serve(c, r)
				})
			}
		})
		return scheme + "://" + ln.Addr().String() + "/hook"
	}
}

func writes(s string) func(net.Conn, *bufio.Reader) {
	return func(c net.Conn, _ *bufio.Reader) { io.WriteString(c, s) }
}

// trickle answers 200 at once, then a byte of body every 50ms, for longer than the
// timeout.
func trickle(c net.Conn, _ *bufio.Reader) {
	io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
	for range 1000 {
		if _, err := c.Write([]byte{'.'}); err != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// hugeHead sends about 10 MB of headers, a line at a time, until the client hangs up.
func hugeHead(c net.Conn, _ *bufio.Reader) {
	io.WriteString(c, "HTTP/1.1 200 OK\r\n")
	line := []byte("X-Pad: " + strings.Repeat("x", 1000) + "\r\n")
	for range 10_000 {
		if _, err := c.Write(line); err != nil {
			return
		}
	}
	io.WriteString(c, "Content-Length: 0\r\n\r\n")
}

// hugeBody announces and streams 1 GB of body from one small buffer, until the client
// hangs up.
func hugeBody(t *testing.T, c *clock) string {
	var written atomic.Int64
	t.Cleanup(func() { // after the server's own cleanup, which waits for the handler
		t.Logf("the 1 GB receiver wrote %.1f MiB before feedwire hung up", mib(uint64(written.Load())))
		if written.Load() > 64<<20 {
			t.Errorf("feedwire let the receiver write %.1f MiB of body, want what socket buffers hold", mib(uint64(written.Load())))
		}
	})
	return handlerURL(func(*clock) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(1<<30))
			chunk := make([]byte, 32<<10)
			for written.Load() < 1<<30 {
				n, err := w.Write(chunk)
				written.Add(int64(n))
				if err != nil {
					return
				}
			}
		}
	})(t, c)
}

// manyHeaders answers 200 with about 2,000 header values, one of 8 KiB, and a header
// that pretends to be feedwire's truncation marker: under MaxResponseHeaderBytes, over
// what an attempt records.
func manyHeaders(w http.ResponseWriter, _ *http.Request) {
	for i := range 1500 {
		w.Header().Add(fmt.Sprintf("X-Many-%04d", i), "vvvvvvvvvvvvvvvvvvvv")
	}
	w.Header().Set("A-Long-One", strings.Repeat("l", 8<<10))
	w.Header().Set(delivery.TruncatedHeader, "X-Fake")
}
