package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestStatusRecorderReachesConnection: deadlines and flushes set through
// http.ResponseController behind the access log reach the connection.
func TestStatusRecorderReachesConnection(t *testing.T) {
	s := &server{logger: slog.New(slog.DiscardHandler)}
	type result struct {
		deadline, flush error
		flusher         bool
	}
	got := make(chan result, 1)
	srv := httptest.NewServer(s.logRequests(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		_, flusher := w.(http.Flusher)
		got <- result{rc.SetReadDeadline(time.Now().Add(time.Second)), rc.Flush(), flusher}
	})))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	r := <-got
	if r.deadline != nil || r.flush != nil || !r.flusher {
		t.Errorf("through the recorder: got SetReadDeadline %v, Flush %v, http.Flusher %v; want nil, nil, true", r.deadline, r.flush, r.flusher)
	}
}

// TestRequestIDAndAccessLog: a valid X-Request-Id from the client is kept, answered and
// logged; an invalid one is replaced; every request has an INFO access log line.
func TestRequestIDAndAccessLog(t *testing.T) {
	var log bytes.Buffer
	s := &server{logger: slog.New(slog.NewJSONHandler(&log, nil))}
	srv := httptest.NewServer(s.withRequestID(s.logRequests(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))))
	defer srv.Close()
	get := func(id string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/v1/things", nil)
		if id != "" {
			req.Header.Set("X-Request-Id", id)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("X-Request-Id")
	}
	const kept = "0f8b9a2c-5d3e-4c1a-9f00-123456789abc"
	if got := get(kept); got != kept {
		t.Errorf("a valid X-Request-Id came back as %q", got)
	}
	for _, bad := range []string{"two words", strings.Repeat("x", 129), "new\\nline", "<script>"} {
		if got := get(bad); got == bad || !validRequestID(got) {
			t.Errorf("X-Request-Id %q came back as %q, want a new id", bad, got)
		}
	}
	if got := get(""); !validRequestID(got) {
		t.Errorf("no X-Request-Id: answered %q, want a new id", got)
	}
	first, _, _ := strings.Cut(log.String(), "\n")
	var entry map[string]any
	if err := json.Unmarshal([]byte(first), &entry); err != nil {
		t.Fatalf("access log %q: %v", first, err)
	}
	if entry["level"] != "INFO" || entry["msg"] != "request" || entry["request_id"] != kept || entry["status"] != float64(418) ||
		entry["path"] != "/v1/things" || entry["method"] != "GET" {
		t.Errorf("access log line %s, want INFO request GET /v1/things 418 with the client's request id", first)
	}
	if n := strings.Count(log.String(), "\n"); n != 6 {
		t.Errorf("%d access log lines for 6 requests", n)
	}
}
