package httpapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
