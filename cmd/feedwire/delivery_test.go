package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// TestDeliveryEndToEnd runs serve --allow-private-networks with a webhook to a local
// receiver: a message created over the API arrives within moments, signed both ways.
func TestDeliveryEndToEnd(t *testing.T) {
	s := startServer(t, "--allow-private-networks")
	key := s.createKey(t, "acme")
	type arrival struct {
		header http.Header
		body   []byte
		at     time.Time
	}
	arrived := make(chan arrival, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !strings.HasPrefix(string(body), `{"challenge":`) {
			arrived <- arrival{r.Header.Clone(), body, time.Now()}
		}
	}))
	defer receiver.Close()

	hook := call(t, key, "POST", s.url+"/v1/webhooks", map[string]any{
		"name": "local", "url": receiver.URL + "/hook", "format": "harvestr", "topics": []string{"MESSAGE_CREATED"},
	}, 201)
	secret := hook["secret"].(string)
	user := call(t, key, "POST", s.url+"/v1/users", map[string]any{"name": "Ada", "type": "customer"}, 201)
	sent := time.Now()
	call(t, key, "POST", s.url+"/v1/messages", map[string]any{
		"title": "Export", "content": "Please", "channel": "MAIL", "requesterId": user["id"], "submitterId": user["id"],
	}, 201)

	var got arrival
	select {
	case got = <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the delivery did not arrive within 10s")
	}
	t.Logf("the message arrived %v after the request was sent", got.at.Sub(sent))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(got.body)
	if want := hex.EncodeToString(mac.Sum(nil)); got.header.Get("X-Harvestr-Webhook-Signature") != want {
		t.Errorf("X-Harvestr-Webhook-Signature %s, want %s", got.header.Get("X-Harvestr-Webhook-Signature"), want)
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(got.body, got.header); err != nil {
		t.Errorf("webhook-signature: %v", err)
	}
	// The receiver answered before feedwire recorded the attempt; wait for the record.
	eventually(t, func() bool {
		list := call(t, key, "GET", s.url+"/v1/deliveries?status=succeeded", nil, 200)
		return len(list["data"].([]any)) == 1
	})
	// The attempt counters move just after the record commits, which the list can show
	// first.
	var metrics string
	eventually(t, func() bool {
		metrics = string(callRaw(t, "", "GET", s.metricsURL+"/metrics", nil, 200))
		return strings.Contains(metrics, `feedwire_delivery_attempts_total{outcome="delivered"} 1`)
	})
	for _, want := range []string{`feedwire_delivery_attempts_total{outcome="delivered"} 1`, `feedwire_events_total{type="MESSAGE_CREATED"} 1`,
		`feedwire_deliveries_total{status="failed"} 0`, `feedwire_delivery_attempt_errors_total{class="timeout"} 0`,
		`feedwire_delivery_queue_depth{state="due"} 0`, `feedwire_delivery_queue_depth{state="held"} 0`,
		`feedwire_delivery_queue_oldest_due_seconds 0`, `feedwire_build_info{revision="`,
		`feedwire_http_requests_total{code="201",method="POST",route="/v1/messages"} 1`,
		`feedwire_http_request_duration_seconds_count{method="GET",route="/v1/deliveries"}`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestQueueMetrics: the queue's depth is split into due, waiting and held deliveries,
// and the age of the oldest due one grows while nothing delivers it.
func TestQueueMetrics(t *testing.T) {
	s := startServer(t, "--allow-private-networks")
	key := s.createKey(t, "acme")
	hook := func(name string) string {
		return call(t, key, "POST", s.url+"/v1/webhooks", map[string]any{"name": name, "url": "http://127.0.0.1:9/" + name,
			"format": "featurebase", "topics": []string{"post.created"}}, 201)["id"].(string)
	}
	paused := hook("paused")
	hook("failing")
	if _, _, err := s.cli(t, key, "trigger", "post.created"); err != nil {
		t.Fatal(err)
	}
	// Both first attempts fail (port 9 refuses): each delivery waits for its retry.
	// Then one webhook is paused, and its delivery is held.
	eventually(t, func() bool {
		list := call(t, key, "GET", s.url+"/v1/deliveries", nil, 200)["data"].([]any)
		return len(list) == 2 && list[0].(map[string]any)["attemptCount"].(float64) >= 1 && list[1].(map[string]any)["attemptCount"].(float64) >= 1
	})
	call(t, key, "PATCH", s.url+"/v1/webhooks/"+paused, map[string]any{"status": "paused"}, 200)
	// The attempt counters move just after the record commits, which the list can show
	// first.
	var metrics string
	eventually(t, func() bool {
		metrics = string(callRaw(t, "", "GET", s.metricsURL+"/metrics", nil, 200))
		return strings.Contains(metrics, `feedwire_delivery_attempt_errors_total{class="connect"} 2`)
	})
	for _, want := range []string{`feedwire_delivery_queue_depth{state="held"} 1`, `feedwire_delivery_queue_depth{state="waiting"} 1`,
		`feedwire_delivery_queue_depth{state="due"} 0`, `feedwire_delivery_attempt_errors_total{class="connect"} 2`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, grepLines(metrics, "feedwire_delivery"))
		}
	}
}

// grepLines returns the lines of text that contain s.
func grepLines(text, s string) string {
	var b strings.Builder
	for line := range strings.Lines(text) {
		if strings.Contains(line, s) && !strings.HasPrefix(line, "#") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// eventually polls cond, which reads the server's state over its API, until it holds or
// 10s have passed.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("the condition did not hold within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
