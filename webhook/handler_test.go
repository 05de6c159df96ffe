package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// catalogBodies returns the example payload of each event type, the vendors' 32 and the
// operational ones, built by the code that builds real deliveries.
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
	if len(bodies) != len(webhook.EventTypes()) {
		t.Fatalf("the catalog has %d event types, and Decode knows %d", len(bodies), len(webhook.EventTypes()))
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

// TestHandlerOperational: an operational delivery, whose body carries no id, is
// verified by its Standard Webhooks headers, decoded to its typed event, and dropped
// as a duplicate by its webhook-id header.
func TestHandlerOperational(t *testing.T) {
	body := catalogBodies(t)[webhook.EventWebhookSuspended]
	h := webhook.NewHandler(testSecret)
	h.Deduplicator = webhook.NewMemoryDeduplicator(10)
	var got []string
	webhook.On(h, webhook.EventWebhookSuspended, func(_ context.Context, e *webhook.OperationalEvent[webhook.WebhookSuspended]) error {
		got = append(got, e.Data.WebhookID+": "+e.Data.Reason)
		return nil
	})
	first, err := webhooktest.NewRequest(testSecret, "/webhooks", body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if first.Header.Get(webhook.HeaderWebhookID) == "" || first.Header.Get(webhook.HeaderHarvestrSignature) != "" ||
		first.Header.Get(webhook.HeaderFeaturebaseSignature) != "" {
		t.Errorf("headers %v, want the Standard Webhooks ones alone", first.Header)
	}
	retry := first.Clone(context.Background())
	retry.Body = io.NopCloser(bytes.NewReader(body))
	second, err := webhooktest.NewRequest(testSecret, "/webhooks", body, time.Now()) // another delivery of it
	if err != nil {
		t.Fatal(err)
	}
	for _, req := range []*http.Request{first, retry, second} {
		if code := serve(h, req); code != 200 {
			t.Errorf("%s: %d, want 200", req.Header.Get(webhook.HeaderWebhookID), code)
		}
	}
	want := []string{"65a1f0c2e4b3d5a6c7e8f902: the endpoint answered 410 Gone", "65a1f0c2e4b3d5a6c7e8f902: the endpoint answered 410 Gone"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("handled %q, want %q (the retry dropped)", got, want)
	}
	unsigned := httptest.NewRequest("POST", "/webhooks", bytes.NewReader(body))
	if code := serve(h, unsigned); code != 401 {
		t.Errorf("unsigned: %d, want 401", code)
	}
}

// serve sends req to h and returns the status it answers.
func serve(h http.Handler, req *http.Request) int {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// challengeRequest is the harvestr challenge as feedwire sends it, signed with key.
func challengeRequest(key string) *http.Request {
	body := []byte(`{"challenge":"1b0c9c9e-7d55-4f1a-9c57-0c2a4a0e4e11"}`)
	req := httptest.NewRequest("POST", "/webhooks", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderHarvestrChallengeSignature, webhook.SignHarvestr(key, body))
	return req
}

// TestHandlerAnswersTheChallenge: a receiver built on Handler can be registered as a
// harvestr webhook: it answers a challenge signed with its secret 200, without calling
// any function, and refuses one signed otherwise, or every one when told to.
func TestHandlerAnswersTheChallenge(t *testing.T) {
	h := webhook.NewHandler(testSecret)
	h.OnAny(func(context.Context, any) error {
		t.Error("a function ran for the challenge")
		return nil
	})
	if code := serve(h, challengeRequest(testSecret)); code != 200 {
		t.Errorf("the challenge signed with the secret: %d, want 200", code)
	}
	for _, key := range []string{"", "whsec_b3RoZXIgc2VjcmV0IG9mIDI0IGJ5dGVzISE="} {
		if code := serve(h, challengeRequest(key)); code != 401 {
			t.Errorf("the challenge signed with %q: %d, want 401", key, code)
		}
	}
	unsigned := challengeRequest(testSecret)
	unsigned.Header.Del(webhook.HeaderHarvestrChallengeSignature)
	if code := serve(h, unsigned); code != 401 {
		t.Errorf("an unsigned challenge: %d, want 401", code)
	}
	// A webhook without a secret signs its challenge with the empty key.
	if code := serve(webhook.NewHandler(""), challengeRequest("")); code != 200 {
		t.Errorf("the challenge of a webhook without a secret, to a handler without one: %d, want 200", code)
	}
	// A rotation: either secret's challenge passes.
	if code := serve(webhook.NewHandler("new text", webhook.WithSecrets(testSecret)), challengeRequest(testSecret)); code != 200 {
		t.Errorf("the challenge signed with the older of two secrets: %d, want 200", code)
	}
	h.NoChallenge = true
	if code := serve(h, challengeRequest(testSecret)); code != 401 {
		t.Errorf("a challenge to a handler that takes none: %d, want 401", code)
	}
}

// TestHandlerThroughARotation: during a rotation's grace period feedwire signs with both
// secrets, and a receiver on the old one, one on the new one, and one on both all keep
// verifying, in both formats; once the period ends, the old one alone stops.
func TestHandlerThroughARotation(t *testing.T) {
	bodies := catalogBodies(t)
	oldSecret, newSecret := testSecret, webhook.NewSecret()
	receivers := map[string]*webhook.Handler{
		"old":  webhook.NewHandler(oldSecret),
		"new":  webhook.NewHandler(newSecret),
		"both": webhook.NewHandler(newSecret, webhook.WithSecrets(oldSecret)),
	}
	deliver := func(format, event string, secrets ...string) *http.Request {
		body := bodies[event]
		req := httptest.NewRequest("POST", "/webhooks", bytes.NewReader(body))
		if err := webhook.SignHeaders(req.Header, format, "wh_1", "msg_1", body, time.Now(), secrets...); err != nil {
			t.Fatal(err)
		}
		return req
	}
	for _, c := range []struct{ format, event string }{
		{webhook.FormatHarvestr, webhook.EventMessageCreated},
		{webhook.FormatFeaturebase, webhook.EventPostCreated},
	} {
		for name, h := range receivers {
			if code := serve(h, deliver(c.format, c.event, newSecret, oldSecret)); code != 200 {
				t.Errorf("%s during the grace period, to a receiver on the %s secret: %d, want 200", c.format, name, code)
			}
			// A receiver that checks only the vendor header, as the vendor documents.
			req := deliver(c.format, c.event, newSecret, oldSecret)
			req.Header.Del(webhook.HeaderWebhookSignature)
			if code := serve(h, req); name != "new" && code != 200 {
				t.Errorf("%s vendor header during the grace period, to a receiver on the %s secret: %d, want 200", c.format, name, code)
			}
			want := 200
			if name == "old" {
				want = 401
			}
			if code := serve(h, deliver(c.format, c.event, newSecret)); code != want {
				t.Errorf("%s after the grace period, to a receiver on the %s secret: %d, want %d", c.format, name, code, want)
			}
		}
	}
	// The Standard Webhooks signature decides when present: a valid vendor header does
	// not save a forged one.
	req := deliver(webhook.FormatHarvestr, webhook.EventMessageCreated, oldSecret)
	req.Header.Set(webhook.HeaderWebhookSignature, "v1,Zm9yZ2Vk")
	if code := serve(receivers["old"], req); code != 401 {
		t.Errorf("a forged webhook-signature beside a valid vendor one: %d, want 401", code)
	}
}

// TestOnRefusesMistakes: registering an unknown event type, or the wrong typed event
// for one, panics at once rather than answering those deliveries 200 with an empty
// event.
func TestOnRefusesMistakes(t *testing.T) {
	panics := func(name string, register func(h *webhook.Handler), want string) {
		t.Helper()
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), want) {
				t.Errorf("%s: panicked with %v, want a message with %q", name, r, want)
			}
		}()
		register(webhook.NewHandler(testSecret))
	}
	panics("a misspelt event", func(h *webhook.Handler) {
		webhook.On(h, "post.create", func(context.Context, *webhook.FeaturebaseEvent[webhook.Post]) error { return nil })
	}, `unknown event type "post.create"`)
	panics("the wrong typed event", func(h *webhook.Handler) {
		webhook.On(h, webhook.EventMessageCreated, func(context.Context, *webhook.FeaturebaseEvent[webhook.Post]) error { return nil })
	}, "MESSAGE_CREATED decodes to webhook.HarvestrEvent[")
	panics("a part for a conversation", func(h *webhook.Handler) {
		webhook.On(h, webhook.EventConversationUserCreated, func(context.Context, *webhook.FeaturebaseEvent[webhook.ConversationPart]) error { return nil })
	}, "conversation.user.created decodes to")
}

// TestEventConstants: there is a constant for each of the 32 types, and each
// registers with its typed event.
func TestEventConstants(t *testing.T) {
	constants := []string{
		webhook.EventFeedbackCreated, webhook.EventFeedbackUpdated, webhook.EventDiscoveryCreated, webhook.EventDiscoveryUpdated,
		webhook.EventComponentCreated, webhook.EventComponentUpdated, webhook.EventMessageCreated, webhook.EventMessageUpdated,
		webhook.EventPostCreated, webhook.EventPostUpdated, webhook.EventPostDeleted, webhook.EventPostVoted,
		webhook.EventChangelogPublished, webhook.EventCommentCreated, webhook.EventCommentUpdated, webhook.EventCommentDeleted,
		webhook.EventConversationUserCreated, webhook.EventConversationUserReplied, webhook.EventConversationAdminReplied,
		webhook.EventConversationAdminNoted, webhook.EventConversationAdminClosed, webhook.EventConversationAdminOpened,
		webhook.EventConversationAdminSnoozed, webhook.EventConversationAdminUnsnoozed, webhook.EventConversationAdminAssigned,
		webhook.EventConversationPriorityUpdated, webhook.EventConversationHandoverRequested, webhook.EventConversationDeleted,
		webhook.EventConversationContactAttached, webhook.EventConversationContactDetached, webhook.EventConversationRead,
		webhook.EventConversationPartRedacted,
		webhook.EventWebhookSuspended, webhook.EventWebhookRecovered, webhook.EventDeliveryFailed, webhook.EventJobFinished,
	}
	bodies := catalogBodies(t)
	seen := map[string]bool{}
	for _, c := range constants {
		if bodies[c] == nil || seen[c] {
			t.Errorf("constant %q is not one of the catalog's types, or repeats", c)
		}
		seen[c] = true
	}
	if len(seen) != len(bodies) {
		t.Errorf("%d constants for %d types", len(seen), len(bodies))
	}
}

// TestEmptySecretVerifiesNothing: anyone can compute a signature keyed with the empty
// string, so a delivery "signed" with it never verifies, even to a handler told to take
// the empty key for the challenge of a webhook without a secret.
func TestEmptySecretVerifiesNothing(t *testing.T) {
	body := catalogBodies(t)[webhook.EventMessageCreated]
	for _, h := range []*webhook.Handler{webhook.NewHandler(""), webhook.NewHandler(testSecret, webhook.WithSecrets(""))} {
		req := httptest.NewRequest("POST", "/webhooks", bytes.NewReader(body))
		req.Header.Set(webhook.HeaderHarvestrSignature, webhook.SignHarvestr("", body))
		if code := serve(h, req); code != 401 {
			t.Errorf("a delivery signed with the empty key: %d, want 401", code)
		}
	}
	if code := serve(webhook.NewHandler(""), challengeRequest("")); code != 200 {
		t.Errorf("the challenge of a webhook without a secret: %d, want 200", code)
	}
}
