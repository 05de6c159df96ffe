package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/feedwire/feedwire/webhook"
	"github.com/feedwire/feedwire/webhook/webhooktest"
	"github.com/feedwire/feedwire/wire"
)

// catalogBodies returns the example payload of each of the 32 event types, built by
// the code that builds real deliveries.
func catalogBodies(t *testing.T) map[string][]byte {
	t.Helper()
	types, err := wire.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	bodies := map[string][]byte{}
	for _, et := range types {
		bodies[string(et.Name)] = et.Example
	}
	if len(bodies) != 32 {
		t.Fatalf("the catalog has %d event types, want 32", len(bodies))
	}
	return bodies
}

// TestDecodeEveryType decodes each example into its typed event and encodes it back to
// the same JSON: the types hold every field, with its exact name and type. (Harvestr
// changes decode to a map, so only their member order may differ.)
func TestDecodeEveryType(t *testing.T) {
	for name, body := range catalogBodies(t) {
		event, err := webhook.Decode(body)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		again, err := json.Marshal(event)
		if err != nil {
			t.Fatal(err)
		}
		var want, got any
		if err := json.Unmarshal(body, &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(again, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: decoded as %T, re-encoded differently:\ngot  %s\nwant %s", name, event, again, body)
		}
	}
	if _, err := webhook.Decode([]byte(`{"id":"x","topic":"ticket.created"}`)); !errors.Is(err, webhook.ErrUnknownEvent) {
		t.Errorf("an unknown topic: %v", err)
	}
}

func TestHandler(t *testing.T) {
	bodies := catalogBodies(t)
	h := webhook.NewHandler(testSecret)
	var got []string
	webhook.On(h, "post.created", func(_ context.Context, e *webhook.FeaturebaseEvent[webhook.Post]) error {
		got = append(got, "post:"+e.Data.Item.Title)
		return nil
	})
	webhook.On(h, "MESSAGE_UPDATED", func(_ context.Context, e *webhook.HarvestrEvent[webhook.Message]) error {
		return errors.New("the database is down")
	})
	h.OnAny(func(_ context.Context, e any) error {
		got = append(got, fmt.Sprintf("%T", e))
		return nil
	})
	h.Deduplicator = webhook.NewMemoryDeduplicator(10)
	srv := httptest.NewServer(h)
	defer srv.Close()
	send := func(req *http.Request) int {
		t.Helper()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	signedRequest := func(name, secret string) *http.Request {
		t.Helper()
		req, err := webhooktest.NewRequest(secret, srv.URL, bodies[name], time.Now()) // the handler checks against the real clock
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	if code := send(signedRequest("post.created", testSecret)); code != 200 {
		t.Errorf("post.created: %d", code)
	}
	if code := send(signedRequest("conversation.read", testSecret)); code != 200 {
		t.Errorf("conversation.read: %d", code)
	}
	if code := send(signedRequest("post.created", testSecret)); code != 200 { // a retry: dropped
		t.Errorf("post.created again: %d", code)
	}
	want := []string{"post:Dark mode", "*webhook.FeaturebaseEvent[github.com/feedwire/feedwire/webhook.Conversation]"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("handled %v, want %v", got, want)
	}
	if code := send(signedRequest("MESSAGE_UPDATED", testSecret)); code != 500 {
		t.Errorf("a failing function: %d, want 500", code)
	}
	if code := send(signedRequest("MESSAGE_CREATED", "whsec_b3RoZXIgc2VjcmV0IG9mIDI0IGJ5dGVzISE=")); code != 401 {
		t.Errorf("a wrong secret: %d, want 401", code)
	}
	tampered := signedRequest("MESSAGE_CREATED", testSecret)
	tampered.Body = http.NoBody
	tampered.ContentLength = 0
	if code := send(tampered); code != 401 {
		t.Errorf("a tampered body: %d, want 401", code)
	}
	get, _ := http.NewRequest("GET", srv.URL, nil)
	if code := send(get); code != 405 {
		t.Errorf("a GET: %d, want 405", code)
	}
	h.MaxBodyBytes = 10
	if code := send(signedRequest("MESSAGE_CREATED", testSecret)); code != 413 {
		t.Errorf("a big body: %d, want 413", code)
	}
	h.MaxBodyBytes = webhook.DefaultMaxBodyBytes
	bad := []byte(`{"id":"x","topic":"post.created","data":{"item":{"title":5}}}`)
	req, _ := http.NewRequest("POST", srv.URL, bytes.NewReader(bad))
	webhook.SignHeaders(req.Header, webhook.FormatFeaturebase, "wh", "x", bad, time.Now(), testSecret)
	if code := send(req); code != 400 {
		t.Errorf("a body that does not decode: %d, want 400", code)
	}
	if !strings.Contains(fmt.Sprint(got), "post:Dark mode") {
		t.Error("lost the first delivery")
	}
}
