package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var metricsLine = regexp.MustCompile(`msg=listening addr=\S+ metrics_addr=(\S+)`)

// metricsURL is the metrics listener's URL from the "listening" line, or "" when off.
func (w *addrWatcher) metricsURL() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := metricsLine.FindSubmatch(w.buf.Bytes())
	if m == nil || string(m[1]) == "off" {
		return ""
	}
	return "http://" + string(m[1])
}

// rawConn is a TCP connection to the server that the test writes bytes to as it likes.
type rawConn struct {
	net.Conn
	r *bufio.Reader
}

func dialRaw(t *testing.T, s *testServer) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{Conn: c, r: bufio.NewReader(c)}
}

// answer reads a response within d. It returns the status, or 0 and why there was none.
func (c *rawConn) answer(d time.Duration) (int, error) {
	c.SetReadDeadline(time.Now().Add(d))
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// closedWithin reports whether the server closes c within d.
func (c *rawConn) closedWithin(d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := c.r.ReadByte()
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// trickle writes one byte of body every 500ms until stop is closed or writing fails.
func trickle(c net.Conn, stop <-chan struct{}) {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			if _, err := c.Write([]byte("x")); err != nil {
				return
			}
		}
	}
}

// TestSlowBodyIsCutOff sends a body of 1,000 bytes at one byte per 500ms, which would
// take more than 8 minutes, and wants an answer or a closed connection within 12s: from
// huma's body deadline (5s) on an API operation, from --read-timeout (10s) elsewhere.
func TestSlowBodyIsCutOff(t *testing.T) {
	s := startServer(t)
	key := s.createKey(t, "acme")
	tests := []struct {
		name    string
		headers string
	}{
		{"API operation", "POST /v1/users HTTP/1.1\r\nHost: feedwire\r\nAuthorization: Bearer " + key +
			"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"},
		{"route that reads no body", "POST /healthz HTTP/1.1\r\nHost: feedwire\r\nContent-Length: 1000\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := dialRaw(t, s)
			if _, err := io.WriteString(c, tt.headers+"{"); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			stop := make(chan struct{})
			defer close(stop)
			go trickle(c, stop)
			status, err := c.answer(15 * time.Second)
			took := time.Since(start)
			var ne net.Error
			switch {
			case errors.As(err, &ne) && ne.Timeout():
				t.Fatalf("no answer and the connection still open after %s", took.Round(time.Millisecond))
			case err != nil:
				t.Logf("connection closed after %s (%v)", took.Round(time.Millisecond), err)
			default:
				t.Logf("answered %d after %s", status, took.Round(time.Millisecond))
			}
			if took > 12*time.Second {
				t.Errorf("took %s, want under 12s", took.Round(time.Millisecond))
			}
		})
	}
}

// TestRefusedKeyDoesNotWaitForBody sends headers and part of a body that never comes:
// the 401 must come at once, not when the rest of the body would have.
func TestRefusedKeyDoesNotWaitForBody(t *testing.T) {
	s := startServer(t)
	tests := []struct {
		name          string
		authorization string
	}{
		{"no key", ""},
		{"unknown key", "Authorization: Bearer fw_0000\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, s)
			request := "POST /v1/users HTTP/1.1\r\nHost: feedwire\r\n" + tt.authorization +
				"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\":"
			start := time.Now()
			if _, err := io.WriteString(c, request); err != nil {
				t.Fatal(err)
			}
			status, err := c.answer(5 * time.Second)
			took := time.Since(start)
			t.Logf("status %d after %s", status, took.Round(time.Millisecond))
			if err != nil || status != http.StatusUnauthorized {
				t.Fatalf("got status %d (%v) after %s, want 401", status, err, took.Round(time.Millisecond))
			}
			if took > 2*time.Second {
				t.Errorf("401 took %s, want under 2s", took.Round(time.Millisecond))
			}
		})
	}
}

// TestConnectionLimitMakesRoom fills --max-connections with idle keep-alive
// connections: a new client must still be served at once, by closing one of them.
func TestConnectionLimitMakesRoom(t *testing.T) {
	const limit = 20
	s := startServer(t, "--max-connections", strconv.Itoa(limit), "--idle-timeout", "1m")
	key := s.createKey(t, "acme")
	idle := openIdle(t, s, limit)

	start := time.Now()
	status := freshGet(t, key, s.url+"/v1/users")
	took := time.Since(start)
	if status != http.StatusOK {
		t.Fatalf("got status %d, want 200", status)
	}
	if took > 2*time.Second {
		t.Errorf("the request took %s with every slot idle, want under 2s", took)
	}
	closed := 0
	for _, c := range idle {
		if c.closedWithin(200 * time.Millisecond) {
			closed++
		}
	}
	t.Logf("served in %s; %d of %d idle connections closed to make room", took.Round(time.Millisecond), closed, limit)
	if closed < 1 {
		t.Errorf("no idle connection was closed, want at least 1")
	}
}

// openIdle opens n keep-alive connections, each of which has made one request.
func openIdle(t *testing.T, s *testServer, n int) []*rawConn {
	t.Helper()
	conns := make([]*rawConn, n)
	for i := range conns {
		c, err := dialIdle(s)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		t.Cleanup(func() { c.Close() })
		conns[i] = c
	}
	return conns
}

// dialIdle opens a connection, makes one request on it and leaves it open.
func dialIdle(s *testServer) (*rawConn, error) {
	nc, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		return nil, err
	}
	c := &rawConn{Conn: nc, r: bufio.NewReader(nc)}
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: feedwire\r\n\r\n"); err != nil {
		c.Close()
		return nil, err
	}
	if status, err := c.answer(10 * time.Second); status != http.StatusOK {
		c.Close()
		return nil, fmt.Errorf("got status %d (%v), want 200", status, err)
	}
	return c, nil
}

// freshGet sends an authenticated GET on a new connection and returns the status.
func freshGet(t *testing.T, key, url string) int {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestBearerSchemeCase: the scheme of Authorization is case-insensitive (RFC 9110).
func TestBearerSchemeCase(t *testing.T) {
	s := startServer(t)
	key := s.createKey(t, "acme")
	tests := []struct {
		name, header string
		want         int
	}{
		{"Bearer", "Bearer " + key, 200},
		{"lower case", "bearer " + key, 200},
		{"upper case", "BEARER " + key, 200},
		{"two spaces", "Bearer  " + key, 200},
		{"another scheme", "Basic " + key, 401},
		{"no token", "Bearer ", 401},
		{"no space", "Bearer" + key, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest("GET", s.url+"/v1/users", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", tt.header)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("got status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

// TestRateLimitPerKey: with 5 requests a second and a burst of 5, a key is refused with
// 429 after its burst, another key is not, and the first is served again once its
// bucket has refilled.
func TestRateLimitPerKey(t *testing.T) {
	s := startServer(t, "--rate-limit", "5", "--rate-burst", "5")
	a, b := s.createKey(t, "acme"), s.createKey(t, "globex")

	start := time.Now()
	var resp *http.Response
	var body []byte
	served := 0
	for range 50 {
		resp, body = get(t, a, s.url+"/v1/users")
		if resp.StatusCode != http.StatusOK {
			break
		}
		served++
	}
	elapsed := time.Since(start)
	// The bucket gains a token every 200ms, so a slow machine may be served a few more.
	most := 5 + int(elapsed/(200*time.Millisecond)) + 1
	t.Logf("key A: %d requests served in %s before %d", served, elapsed.Round(time.Millisecond), resp.StatusCode)
	if resp.StatusCode != http.StatusTooManyRequests || served < 5 || served > most {
		t.Fatalf("got %d served, then %d, want 5 to %d served, then 429", served, resp.StatusCode, most)
	}
	retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || retry < 1 {
		t.Errorf("got Retry-After %q, want whole seconds, at least 1", resp.Header.Get("Retry-After"))
	}
	var problem struct {
		Status int    `json:"status"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("got Content-Type %q, want application/problem+json", ct)
	}
	if err := json.Unmarshal(body, &problem); err != nil || problem.Status != 429 || problem.Detail == "" {
		t.Errorf("got body %s, want a problem with status 429 and a detail", body)
	}
	if resp, _ := get(t, b, s.url+"/v1/users"); resp.StatusCode != http.StatusOK {
		t.Errorf("key B: got status %d, want 200", resp.StatusCode)
	}
	time.Sleep(time.Duration(retry) * time.Second)
	if resp, _ := get(t, a, s.url+"/v1/users"); resp.StatusCode != http.StatusOK {
		t.Errorf("key A after Retry-After (%ds): got status %d, want 200", retry, resp.StatusCode)
	}
}

func get(t *testing.T, key, url string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// TestMetricsListener: /metrics is served on the metrics listener only.
func TestMetricsListener(t *testing.T) {
	s := startServer(t)
	callRaw(t, "", "GET", s.url+"/metrics", nil, http.StatusNotFound)
	if s.metricsURL == "" {
		t.Fatal("no metrics listener")
	}
	resp, err := http.Get(s.metricsURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") ||
		!bytes.Contains(text, []byte("# TYPE feedwire_delivery_queue_depth gauge")) {
		t.Errorf("metrics listener: got %d %s, %d bytes, want 200 with Prometheus text", resp.StatusCode, resp.Header.Get("Content-Type"), len(text))
	}
	callRaw(t, "", "GET", s.metricsURL+"/healthz", nil, http.StatusNotFound)

	if off := startServer(t, "--metrics-addr", "off"); off.metricsURL != "" {
		t.Errorf("--metrics-addr off: got a metrics listener at %s", off.metricsURL)
	}
}

// TestServeLimitSettings checks the defaults, the flags and the environment variables of
// the limits, and that a bad one stops serve with a message naming it.
func TestServeLimitSettings(t *testing.T) {
	c, err := parseServeConfig(env{getenv: noEnv, stderr: io.Discard}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := limits{ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: time.Minute,
		MaxConnections: 1024, RateLimit: 10000, RateBurst: 10000}
	if c.limits != want || c.MetricsAddr != "127.0.0.1:9464" {
		t.Errorf("got defaults %+v and metrics on %s, want %+v and 127.0.0.1:9464", c.limits, c.MetricsAddr, want)
	}

	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // in the error; "" for none
	}{
		{"burst defaults to the rate", []string{"--rate-limit", "5"}, nil, ""},
		{"no rate limit", []string{"--rate-limit", "0"}, nil, ""},
		{"metrics off in the environment", nil, map[string]string{"FEEDWIRE_METRICS_ADDR": "off"}, ""},
		{"both on port 0", []string{"--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}, nil, ""},
		{"read timeout below the header timeout", []string{"--read-timeout", "1s"}, nil, "--read-timeout"},
		{"no write timeout", []string{"--write-timeout", "0"}, nil, "--write-timeout"},
		{"no idle timeout", []string{"--idle-timeout", "0s"}, nil, "--idle-timeout"},
		{"no connections", []string{"--max-connections", "0"}, nil, "--max-connections"},
		{"negative rate", []string{"--rate-limit", "-1"}, nil, "--rate-limit"},
		{"negative burst", []string{"--rate-burst", "-1"}, nil, "--rate-burst"},
		{"metrics address without a port", []string{"--metrics-addr", "localhost"}, nil, "--metrics-addr"},
		{"metrics on the API's address", []string{"--metrics-addr", "127.0.0.1:8080"}, nil, "--metrics-addr must differ"},
		{"rate in words", nil, map[string]string{"FEEDWIRE_RATE_LIMIT": "lots"}, "FEEDWIRE_RATE_LIMIT"},
		{"idle timeout without a unit", nil, map[string]string{"FEEDWIRE_IDLE_TIMEOUT": "60"}, "FEEDWIRE_IDLE_TIMEOUT"},
		{"webhook concurrency", []string{"--webhook-concurrency", "16"}, nil, ""},
		{"workspace concurrency in the environment", nil, map[string]string{"FEEDWIRE_WORKSPACE_CONCURRENCY": "100"}, ""},
		{"webhook concurrency above the workers", []string{"--workers", "8", "--webhook-concurrency", "9"}, nil, "--webhook-concurrency"},
		{"negative workspace concurrency", []string{"--workspace-concurrency", "-1"}, nil, "--workspace-concurrency"},
		{"an unknown log format", []string{"--log-format", "xml"}, nil, "--log-format"},
		{"JSON logs from the environment", nil, map[string]string{"FEEDWIRE_LOG_FORMAT": "json"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(name string) string { return tt.env[name] }
			c, err := parseServeConfig(env{getenv: getenv, stderr: io.Discard}, tt.args)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want an error naming %s", err, tt.want)
			case tt.want == "" && c.RateBurst != c.RateLimit:
				t.Errorf("got burst %d with rate %d, want the rate", c.RateBurst, c.RateLimit)
			}
		})
	}

	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"serve", "--help"}, noEnv, &stdout, io.Discard); exitCode(err) != 0 {
		t.Fatalf("serve --help: %v", err)
	}
	for _, env := range []string{"FEEDWIRE_READ_TIMEOUT", "FEEDWIRE_WRITE_TIMEOUT", "FEEDWIRE_IDLE_TIMEOUT",
		"FEEDWIRE_MAX_CONNECTIONS", "FEEDWIRE_RATE_LIMIT", "FEEDWIRE_RATE_BURST", "FEEDWIRE_METRICS_ADDR",
		"FEEDWIRE_WEBHOOK_CONCURRENCY", "FEEDWIRE_WORKSPACE_CONCURRENCY"} {
		if !strings.Contains(stdout.String(), fmt.Sprintf("(env %s)", env)) {
			t.Errorf("serve --help does not document %s", env)
		}
	}
}
