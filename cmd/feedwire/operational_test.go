package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/feedwire/feedwire/webhook"
)

// TestOperationalWebhooksEndToEnd subscribes an endpoint, with the CLI, to feedwire's
// own events, and checks each arrives when its change happens: webhook.suspended when
// a webhook's endpoint answers 410, webhook.recovered when it is made active again,
// delivery.failed when a delivery spends its retries, job.finished when a replay ends.
// Every one is verified with the official Standard Webhooks library and decoded with
// package webhook. The operational webhook's own failure reports nothing (no loops).
func TestOperationalWebhooksEndToEnd(t *testing.T) {
	s := startServer(t, "--allow-private-networks")
	key := s.createKey(t, "acme")
	opsURL, arrived := controlsReceiver(t)
	stdout, stderr, err := s.cli(t, key, "webhooks", "create", "--name", "ops", "--url", opsURL, "--format", "operational",
		"--topics", "webhook.suspended,webhook.recovered,delivery.failed,job.finished", "--output", "json")
	if err != nil {
		t.Fatalf("webhooks create: %v\n%s", err, stderr)
	}
	var ops struct{ ID, Secret, Format string }
	if err := json.Unmarshal([]byte(stdout), &ops); err != nil || ops.Format != "operational" {
		t.Fatalf("webhooks create printed %s (%v)", stdout, err)
	}
	verifier, err := standardwebhooks.NewWebhook(ops.Secret)
	if err != nil {
		t.Fatal(err)
	}
	// next returns the next operational delivery, verified, decoded into T.
	next := func(t *testing.T, eventType string, data any) {
		t.Helper()
		got := nextArrival(t, arrived)
		if err := verifier.Verify(got.body, got.header); err != nil {
			t.Fatalf("the Standard Webhooks library refuses %s: %v", got.body, err)
		}
		if got.header.Get("X-Webhook-Signature") != "" || got.header.Get("X-Harvestr-Webhook-Signature") != "" {
			t.Errorf("an operational delivery carries a vendor signature: %v", got.header)
		}
		t.Logf("%s: %s", eventType, got.body)
		var event struct {
			Type      string          `json:"type"`
			Timestamp webhook.Time    `json:"timestamp"`
			Data      json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(got.body, &event); err != nil || event.Type != eventType || event.Timestamp.IsZero() {
			t.Fatalf("got %s, want a %s", got.body, eventType)
		}
		if _, err := webhook.Decode(got.body); err != nil {
			t.Errorf("package webhook does not decode it: %v", err)
		}
		if err := json.Unmarshal(event.Data, data); err != nil {
			t.Fatal(err)
		}
	}

	var gone atomic.Bool
	gone.Store(true)
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if gone.Load() {
			w.WriteHeader(http.StatusGone)
		}
	}))
	t.Cleanup(endpoint.Close)
	hook := call(t, key, "POST", s.url+"/v1/webhooks", map[string]any{
		"name": "team", "url": endpoint.URL, "format": "slack", "topics": []string{"MESSAGE_CREATED"},
	}, 201)
	user := call(t, key, "POST", s.url+"/v1/users", map[string]any{"name": "Ada", "type": "customer"}, 201)
	message := func() {
		call(t, key, "POST", s.url+"/v1/messages", map[string]any{
			"title": "Export", "content": "Please", "channel": "MAIL", "requesterId": user["id"], "submitterId": user["id"],
		}, 201)
	}
	message()

	var suspended webhook.WebhookSuspended
	next(t, webhook.EventWebhookSuspended, &suspended)
	if suspended.WebhookID != hook["id"] || suspended.Reason != "the endpoint answered 410 Gone" || suspended.LastStatus.Code != 410 {
		t.Errorf("webhook.suspended says %+v", suspended)
	}
	listed := call(t, key, "GET", s.url+"/v1/events?type=webhook.suspended", nil, 200)
	if events := listed["data"].([]any); len(events) != 1 || events[0].(map[string]any)["format"] != "operational" {
		t.Errorf("the event log shows %v, want the one webhook.suspended", listed["data"])
	}

	gone.Store(false)
	call(t, key, "PATCH", s.url+"/v1/webhooks/"+hook["id"].(string), map[string]any{"status": "active"}, 200)
	var recovered webhook.WebhookRecovered
	next(t, webhook.EventWebhookRecovered, &recovered)
	if recovered.WebhookID != hook["id"] || recovered.Released != 1 || recovered.SuspendedReason != suspended.Reason {
		t.Errorf("webhook.recovered says %+v, want the one held delivery released", recovered)
	}

	// A webhook without retries whose endpoint fails: its delivery fails for good.
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	t.Cleanup(failing.Close)
	down := call(t, key, "POST", s.url+"/v1/webhooks", map[string]any{
		"name": "down", "url": failing.URL, "format": "slack", "topics": []string{"MESSAGE_CREATED"}, "retrySchedule": []string{},
	}, 201)
	message()
	var failed webhook.DeliveryFailed
	next(t, webhook.EventDeliveryFailed, &failed)
	if failed.WebhookID != down["id"] || failed.EventType != "MESSAGE_CREATED" || failed.Attempts != 1 ||
		failed.LastStatus.Code != 503 || failed.ErrorClass != "status" {
		t.Errorf("delivery.failed says %+v", failed)
	}
	delivery := call(t, key, "GET", s.url+"/v1/deliveries/"+failed.DeliveryID, nil, 200)
	if delivery["status"] != "failed" || delivery["webhookId"] != down["id"] {
		t.Errorf("delivery.failed names %s, which is %v", failed.DeliveryID, delivery)
	}

	job := call(t, key, "POST", s.url+"/v1/webhooks/"+hook["id"].(string)+"/replay", map[string]any{
		"since": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
	}, 202)
	var finished webhook.JobFinished
	next(t, webhook.EventJobFinished, &finished)
	if finished.JobID != job["id"] || finished.Kind != "replay" || finished.Status != "succeeded" || finished.Processed != 2 {
		t.Errorf("job.finished says %+v, want the replay of the 2 messages", finished)
	}

	// The operational webhook's own delivery failing for good reports nothing.
	call(t, key, "PATCH", s.url+"/v1/webhooks/"+ops.ID, map[string]any{"url": failing.URL, "retrySchedule": []string{}}, 200)
	message() // down fails again: a delivery.failed, which fails at the operational endpoint too
	deadline := time.Now().Add(10 * time.Second)
	for {
		list := call(t, key, "GET", s.url+"/v1/deliveries?webhookId="+ops.ID+"&status=failed", nil, 200)
		if len(list["data"].([]any)) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the operational webhook's delivery did not fail: %v", list["data"])
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // time for a wrong delivery.failed to be recorded
	list := call(t, key, "GET", s.url+"/v1/events?type=delivery.failed", nil, 200)
	if n := len(list["data"].([]any)); n != 2 {
		t.Errorf("%d delivery.failed events, want 2 (down's two, none for the operational delivery)", n)
	}
}
