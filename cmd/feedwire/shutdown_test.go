package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestShutdownWithinTimeout: with an attempt hanging on a receiver that takes 30s, serve
// still stops within --shutdown-timeout, says what it cut short, and leaves the delivery
// for the next start, which delivers it.
func TestShutdownWithinTimeout(t *testing.T) {
	var hang atomic.Bool
	hang.Store(true)
	arrived := make(chan struct{}, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") && r.Header.Get("X-Webhook-Signature") != "" {
			arrived <- struct{}{}
		}
		io.ReadAll(r.Body) // then the server notices when feedwire hangs up
		if hang.Load() {
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
		}
	}))
	defer receiver.Close()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "feedwire.db")

	start := func() (*testServer, context.CancelFunc, chan error, *addrWatcher) {
		ctx, cancel := context.WithCancel(context.Background())
		found := make(chan string, 1)
		log := &addrWatcher{found: found}
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--database", dsn, "--metrics-addr", "off",
				"--allow-private-networks", "--shutdown-timeout", "1s"}, noEnv, io.Discard, log)
		}()
		select {
		case addr := <-found:
			s := &testServer{url: "http://" + addr, dsn: dsn}
			waitHealthy(t, s.url)
			return s, cancel, done, log
		case err := <-done:
			t.Fatalf("serve ended before listening: %v\n%s", err, log.logText())
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not start listening within 30s")
		}
		return nil, nil, nil, nil
	}

	s, stop, done, log := start()
	key := s.createKey(t, "acme")
	call(t, key, "POST", s.url+"/v1/webhooks", map[string]any{"name": "slow", "url": receiver.URL, "format": "featurebase",
		"topics": []string{"post.created"}, "requestConfig": map[string]any{"timeoutMs": 30000}}, 201)
	if _, _, err := s.cli(t, key, "trigger", "post.created"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the delivery did not arrive within 10s")
	}
	began := time.Now()
	stop()
	if err := <-done; err != nil {
		t.Fatalf("serve ended with %v", err)
	}
	took := time.Since(began)
	t.Logf("serve stopped %v after the signal, with an attempt hanging", took.Round(time.Millisecond))
	if took > 2500*time.Millisecond {
		t.Errorf("serve took %v to stop, want about the 1s --shutdown-timeout", took)
	}
	for _, want := range []string{"waiting for the attempts under way", "cutting short the attempts still under way"} {
		if !strings.Contains(log.logText(), want) {
			t.Errorf("the log does not say %q:\n%s", want, log.logText())
		}
	}

	// The next start delivers what the last one cut short.
	hang.Store(false)
	s, stop, done, _ = start()
	defer func() {
		stop()
		<-done
	}()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the cut-short delivery was not attempted again after the restart")
	}
	eventually(t, func() bool {
		return len(call(t, key, "GET", s.url+"/v1/deliveries?status=succeeded", nil, 200)["data"].([]any)) == 1
	})
}

func TestRedactDSN(t *testing.T) {
	for dsn, want := range map[string]string{
		"sqlite:feedwire.db":                                              "sqlite:feedwire.db",
		"postgres://feedwire:s3cret@db.internal/feedwire":                 "postgres://feedwire:xxxxx@db.internal/feedwire",
		"postgres://feedwire@db.internal/feedwire":                        "postgres://feedwire@db.internal/feedwire",
		"host=db.internal user=feedwire password=s3cret":                  "host=db.internal user=feedwire password=xxxxx",
		"postgres://feedwire@db/feedwire?password=s3cret&sslmode=disable": "postgres://feedwire@db/feedwire?password=xxxxx&sslmode=disable",
		"host=db password='s3 cret' dbname=feedwire":                      "host=db password=xxxxx dbname=feedwire",
	} {
		if got := redactDSN(dsn); got != want || strings.Contains(got, "s3") && strings.Contains(dsn, "s3") {
			t.Errorf("redactDSN(%q) = %q, want %q", dsn, got, want)
		}
	}
}
