package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// TestHandlerReceivesEveryType sends real deliveries of all 32 event types, harvestr
// and featurebase, to receivers built on webhook.Handler: each is verified and decoded
// into its typed event.
func TestHandlerReceivesEveryType(t *testing.T) {
	s := startServer(t, "--allow-private-networks")
	key := s.createKey(t, "acme")
	var mu sync.Mutex
	decoded := map[string]string{}        // event type → Go type of the decoded event
	handlers := map[string]http.Handler{} // by path, once the webhook and its secret exist
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := handlers[r.URL.Path]
		mu.Unlock()
		if h == nil {
			return // the harvestr challenge, which comes before the webhook exists
		}
		h.ServeHTTP(w, r)
	}))
	defer receiver.Close()

	subscribe := func(format string, types []feedwire.EventType) {
		names := make([]string, len(types))
		for i, et := range types {
			names[i] = string(et)
		}
		hook := call(t, key, "POST", s.url+"/v1/webhooks", map[string]any{
			"name": format, "url": receiver.URL + "/" + format, "format": format, "topics": names,
		}, 201)
		h := webhook.NewHandler(hook["secret"].(string))
		h.OnAny(func(_ context.Context, event any) error {
			mu.Lock()
			defer mu.Unlock()
			decoded[envelopeType(event)] = fmt.Sprintf("%T", event)
			return nil
		})
		mu.Lock()
		handlers["/"+format] = h
		mu.Unlock()
	}
	subscribe("harvestr", feedwire.HarvestrEventTypes)
	subscribe("featurebase", feedwire.FeaturebaseTopics)

	fireHarvestr(t, s.url, key)
	newFeaturebaseScript(t, s.url, key).all()

	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		n := len(decoded)
		mu.Unlock()
		if n == 32 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 15s the handlers decoded %d of 32 types: %v", n, decoded)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, et := range feedwire.VendorEventTypes {
		if decoded[string(et)] == "" {
			t.Errorf("%s was not decoded", et)
		}
	}
}

// envelopeType returns the event or topic of a decoded event.
func envelopeType(event any) string {
	switch e := event.(type) {
	case *webhook.HarvestrEvent[webhook.Message]:
		return e.Event
	case *webhook.HarvestrEvent[webhook.Discovery]:
		return e.Event
	case *webhook.HarvestrEvent[webhook.Component]:
		return e.Event
	case *webhook.HarvestrEvent[webhook.Feedback]:
		return e.Event
	case *webhook.FeaturebaseEvent[webhook.Post]:
		return e.Topic
	case *webhook.FeaturebaseEvent[webhook.PostVote]:
		return e.Topic
	case *webhook.FeaturebaseEvent[webhook.Comment]:
		return e.Topic
	case *webhook.FeaturebaseEvent[webhook.Changelog]:
		return e.Topic
	case *webhook.FeaturebaseEvent[webhook.Conversation]:
		return e.Topic
	case *webhook.FeaturebaseEvent[webhook.ConversationPart]:
		return e.Topic
	}
	return fmt.Sprintf("unexpected %T", event)
}

// fireHarvestr emits each of the 8 harvestr event types through the REST API.
func fireHarvestr(t *testing.T, url, key string) {
	t.Helper()
	user := call(t, key, "POST", url+"/v1/users", map[string]any{"name": "Ada", "type": "customer"}, 201)["id"]
	message := call(t, key, "POST", url+"/v1/messages", map[string]any{
		"title": "Export", "content": "Please", "channel": "MAIL", "requesterId": user, "submitterId": user,
	}, 201)["id"].(string)
	call(t, key, "PATCH", url+"/v1/messages/"+message, map[string]any{"read": true}, 200)
	state := call(t, key, "POST", url+"/v1/discovery-states", map[string]any{"name": "Validated"}, 201)["id"]
	discovery := call(t, key, "POST", url+"/v1/discoveries", map[string]any{"title": "Exports"}, 201)["id"].(string)
	call(t, key, "PATCH", url+"/v1/discoveries/"+discovery, map[string]any{"discoveryStateId": state}, 200)
	component := call(t, key, "POST", url+"/v1/components", map[string]any{"title": "Dashboard"}, 201)["id"].(string)
	call(t, key, "PATCH", url+"/v1/components/"+component, map[string]any{"description": "Charts"}, 200)
	feedback := call(t, key, "POST", url+"/v1/feedback", map[string]any{"messageId": message, "discoveryId": discovery, "score": 3}, 201)["id"].(string)
	call(t, key, "PATCH", url+"/v1/feedback/"+feedback, map[string]any{"starred": true}, 200)
}

// TestHandlerAsHarvestrReceiver registers a harvestr webhook to a receiver built only
// with webhook.Handler, which answers the challenge, then rotates the webhook's
// secret: through the grace period a receiver on the old secret and one on the new
// secret both verify every delivery, and once it ends only the new one does.
func TestHandlerAsHarvestrReceiver(t *testing.T) {
	s := startServer(t, "--allow-private-networks")
	key := s.createKey(t, "acme")
	const oldSecret = "our shared token 7"
	var mu sync.Mutex
	handlers := map[string]http.Handler{"old": webhook.NewHandler(oldSecret)}
	answers := make(chan map[string]int, 10) // each delivery's answer from each handler
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		got := map[string]int{}
		for name, h := range handlers {
			req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
			req.Header = r.Header.Clone()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got[name] = rec.Code
		}
		w.WriteHeader(got["old"])
		if r.Header.Get(webhook.HeaderHarvestrChallengeSignature) == "" {
			answers <- got
		}
	}))
	defer receiver.Close()

	// The challenge is answered by the handler alone: the registration succeeds.
	hook := call(t, key, "POST", s.url+"/v1/webhooks", map[string]any{"name": "sdk", "url": receiver.URL,
		"format": "harvestr", "topics": []string{"MESSAGE_CREATED"}, "secret": oldSecret}, 201)
	id := hook["id"].(string)
	user := call(t, key, "POST", s.url+"/v1/users", map[string]any{"name": "Ada", "type": "customer"}, 201)["id"]
	deliver := func() map[string]int {
		t.Helper()
		call(t, key, "POST", s.url+"/v1/messages", map[string]any{"title": "Export", "content": "Please",
			"channel": "MAIL", "requesterId": user, "submitterId": user}, 201)
		select {
		case got := <-answers:
			return got
		case <-time.After(15 * time.Second):
			t.Fatal("no delivery within 15s")
			return nil
		}
	}
	if got := deliver(); got["old"] != 200 {
		t.Fatalf("before the rotation the handler answered %v, want 200", got)
	}

	rotated := call(t, key, "POST", s.url+"/v1/webhooks/"+id+"/secret", map[string]any{"gracePeriod": "2s"}, 200)
	newSecret := rotated["secret"].(string)
	mu.Lock()
	handlers["new"] = webhook.NewHandler(newSecret)
	handlers["both"] = webhook.NewHandler(newSecret, webhook.WithSecrets(oldSecret))
	mu.Unlock()
	if got := deliver(); got["old"] != 200 || got["new"] != 200 || got["both"] != 200 {
		t.Errorf("during the grace period the handlers answered %v, want 200 from each", got)
	}
	time.Sleep(2 * time.Second)
	mu.Lock()
	delete(handlers, "old") // the receiver now answers with the new secret's verdict
	handlers["old"] = handlers["new"]
	handlers["stale"] = webhook.NewHandler(oldSecret)
	mu.Unlock()
	if got := deliver(); got["new"] != 200 || got["both"] != 200 || got["stale"] != 401 {
		t.Errorf("after the grace period the handlers answered %v, want 200 from the new secret and both, 401 from the old one", got)
	}
}
