package main

import (
	"context"
	"fmt"
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
	for _, et := range append(append([]feedwire.EventType{}, feedwire.HarvestrEventTypes...), feedwire.FeaturebaseTopics...) {
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
