package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// syncBuffer is a bytes.Buffer safe for a command writing while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// cli runs a client command against the test server.
func (s *testServer) cli(t *testing.T, key string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append(args, "--server", s.url, "--api-key", key), noEnv, &out, &errOut)
	return out.String(), errOut.String(), err
}

// waitFor polls until cond holds, or fails after 10s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within 10s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestListenAndTrigger is the two-terminal walk, against a server with its SSRF guard
// on: feedwire listen in one terminal, forwarding to an app built only on
// webhook.Handler with the secret that listen --print-secret gave, and feedwire trigger
// in the other. listen prints each event, verified, and the app verifies every
// forwarded request; the secret is the same on every run; nothing is left registered.
func TestListenAndTrigger(t *testing.T) {
	s := startServer(t)
	key := s.createKey(t, "acme")
	secret, stderr, err := s.cli(t, key, "listen", "--print-secret")
	secret = strings.TrimSpace(secret)
	if err != nil || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("listen --print-secret: %q %v\n%s", secret, err, stderr)
	}
	if again, _, _ := s.cli(t, key, "listen", "--print-secret"); strings.TrimSpace(again) != secret {
		t.Errorf("listen --print-secret gave %q, then %q; want the same secret every time", secret, again)
	}

	var mu sync.Mutex
	var received []string
	app := webhook.NewHandler(secret)
	app.OnAny(func(ctx context.Context, event any) error {
		env, _ := json.Marshal(event)
		mu.Lock()
		received = append(received, string(env))
		mu.Unlock()
		return nil
	})
	appServer := httptest.NewServer(app)
	defer appServer.Close()

	ctx, stop := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"listen", "--json", "--forward-to", appServer.URL, "--server", s.url, "--api-key", key}, noEnv, &out, &errOut)
	}()
	waitFor(t, "listen getting ready", func() bool { return strings.Contains(errOut.String(), "ready") })
	if !strings.Contains(errOut.String(), secret) {
		t.Errorf("listen did not print its signing secret %s:\n%s", secret, errOut.String())
	}

	for _, event := range []string{"post.created", "MESSAGE_UPDATED", "conversation.admin.snoozed"} {
		if stdout, stderr, err := s.cli(t, key, "trigger", event); err != nil || !strings.Contains(stdout, "triggered "+event) {
			t.Fatalf("trigger %s: %v\n%s%s", event, err, stdout, stderr)
		}
		printed := func() bool {
			return strings.Contains(out.String(), `"topic":"`+event+`"`) || strings.Contains(out.String(), `"event":"`+event+`"`)
		}
		waitFor(t, "listen printing "+event, printed)
		waitFor(t, "the app receiving "+event, func() bool {
			mu.Lock()
			defer mu.Unlock()
			for _, r := range received {
				if strings.Contains(r, `"`+event+`"`) {
					return true
				}
			}
			return false
		})
	}
	if strings.Contains(errOut.String(), "refused") || strings.Contains(errOut.String(), " 401 ") {
		t.Errorf("a delivery was refused:\n%s", errOut.String())
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("listen: %v", err)
	}
	if stdout, _, err := s.cli(t, key, "webhooks", "list", "--output", "json"); err != nil || strings.TrimSpace(stdout) != "[]" {
		t.Errorf("after listen stopped, webhooks are %s (%v); want none", stdout, err)
	}
}

// TestListenRefusesABadKey: listen with a key the server refuses stops at once with the
// server's reason, rather than reconnect for ever.
func TestListenRefusesABadKey(t *testing.T) {
	s := startServer(t)
	var out, errOut syncBuffer
	ctx, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	err := run(ctx, []string{"listen", "--server", s.url, "--api-key", "fw_not_a_key"}, noEnv, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "not valid") || ctx.Err() != nil {
		t.Errorf("listen with a bad key: got %v, want the refusal at once", err)
	}
}

// TestTriggerEveryType fires each of the 32 event types and finds it in the event log.
func TestTriggerEveryType(t *testing.T) {
	s := startServer(t)
	key := s.createKey(t, "acme")
	types := feedwire.VendorEventTypes
	for _, et := range types {
		if _, stderr, err := s.cli(t, key, "trigger", string(et)); err != nil {
			t.Errorf("trigger %s: %v\n%s", et, err, stderr)
			continue
		}
		list := call(t, key, "GET", s.url+"/v1/events?limit=1&type="+string(et), nil, 200)
		if len(list["data"].([]any)) != 1 {
			t.Errorf("trigger %s emitted no %s", et, et)
		}
	}
	if _, _, err := s.cli(t, key, "trigger", "ticket.created"); exitCode(err) != 2 {
		t.Errorf("an unknown type: %v, want a usage error", err)
	}
}

func TestReplayCommand(t *testing.T) {
	s := startServer(t)
	key := s.createKey(t, "acme")
	for range 2 {
		if _, _, err := s.cli(t, key, "trigger", "post.created"); err != nil {
			t.Fatal(err)
		}
	}
	hook := call(t, key, "POST", s.url+"/v1/webhooks", map[string]any{
		"name": "late", "url": "http://127.0.0.1:9/hooks", "format": "featurebase", "topics": []string{"post.created"},
	}, 201)
	stdout, stderr, err := s.cli(t, key, "replay", "--webhook", hook["id"].(string), "--since", "1h")
	if err != nil {
		t.Fatalf("replay: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "replayed 2 events") || !strings.Contains(stderr, "2/2") {
		t.Errorf("replay printed %q and %q; want a progress bar ending at 2/2 and the count", stdout, stderr)
	}
	list := call(t, key, "GET", s.url+"/v1/deliveries?webhookId="+hook["id"].(string), nil, 200)
	if len(list["data"].([]any)) != 2 {
		t.Fatalf("replay queued %d deliveries, want 2", len(list["data"].([]any)))
	}

	// The other client commands over what the replay made.
	delivery := list["data"].([]any)[0].(map[string]any)["id"].(string)
	event := list["data"].([]any)[0].(map[string]any)["eventId"].(string)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"deliveries", "list", "--webhook", hook["id"].(string)}, "post.created"},
		{[]string{"deliveries", "show", delivery}, delivery},
		{[]string{"deliveries", "retry", delivery}, "is due again"},
		{[]string{"events", "list", "--type", "post.created", "--output", "json"}, `"type": "post.created"`},
		{[]string{"events", "show", event}, `"topic": "post.created"`},
		{[]string{"events", "types"}, "conversation.admin.snoozed"},
	} {
		stdout, stderr, err := s.cli(t, key, tc.args...)
		if err != nil || !strings.Contains(stdout, tc.want) {
			t.Errorf("%v: %v\n%s%s\nwant %q in the output", tc.args, err, stdout, stderr, tc.want)
		}
	}
}

// TestClientCommandErrors checks that the CLI reports the API's domain errors.
func TestClientCommandErrors(t *testing.T) {
	s := startServer(t)
	key := s.createKey(t, "acme")
	if _, _, err := s.cli(t, key, "webhooks", "show", "nope"); !errors.Is(err, feedwire.ErrNotFound) {
		t.Errorf("showing a webhook that does not exist: %v, want ErrNotFound", err)
	}
	_, _, err := s.cli(t, key, "webhooks", "create", "--name", "x", "--url", "http://127.0.0.1:9/", "--format", "featurebase", "--topics", "nope")
	var fe *feedwire.Error
	if !errors.As(err, &fe) || !errors.Is(err, feedwire.ErrInvalid) || len(fe.Problems) != 1 || fe.Problems[0].Field != "topics[0]" {
		t.Errorf("an unknown topic: %v, want ErrInvalid on topics[0]", err)
	}
	if _, _, err := s.cli(t, "fw_wrong", "webhooks", "list"); !errors.Is(err, feedwire.ErrUnauthorized) {
		t.Errorf("a wrong key: %v, want ErrUnauthorized", err)
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"webhooks", "list", "--server", s.url}, noEnv, &out, &errOut); exitCode(err) != 2 {
		t.Errorf("no API key: %v, want a usage error", err)
	}
	stdout, _, err := s.cli(t, key, "webhooks", "create", "--name", "crm", "--url", "http://127.0.0.1:9/hooks", "--format", "featurebase", "--topics", "post.created")
	if err != nil || !strings.Contains(stdout, "whsec_") {
		t.Fatalf("create: %v\n%s", err, stdout)
	}
	stdout, _, err = s.cli(t, key, "webhooks", "list")
	if err != nil || !strings.Contains(stdout, "crm") || !strings.Contains(stdout, "featurebase") {
		t.Errorf("list: %v\n%s", err, stdout)
	}
}

// TestDeliveriesShowPrintsAttempts: deliveries show prints each attempt's request and
// answer, headers and bodies, as curl -v does; --since takes an RFC 3339 time too.
func TestDeliveriesShowPrintsAttempts(t *testing.T) {
	s := startServer(t, "--allow-private-networks")
	key := s.createKey(t, "acme")
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Receiver", "busy-box")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "try later, please")
	}))
	defer receiver.Close()
	call(t, key, "POST", s.url+"/v1/webhooks", map[string]any{"name": "busy", "url": receiver.URL,
		"format": "featurebase", "topics": []string{"post.created"}}, 201)
	if _, _, err := s.cli(t, key, "trigger", "post.created"); err != nil {
		t.Fatal(err)
	}
	var delivery string
	eventually(t, func() bool {
		list := call(t, key, "GET", s.url+"/v1/deliveries", nil, 200)["data"].([]any)
		if len(list) == 0 || list[0].(map[string]any)["attemptCount"].(float64) < 1 {
			return false
		}
		delivery = list[0].(map[string]any)["id"].(string)
		return true
	})
	stdout, stderr, err := s.cli(t, key, "deliveries", "show", delivery)
	if err != nil {
		t.Fatalf("deliveries show: %v\n%s", err, stderr)
	}
	for _, want := range []string{"attempt 1 at ", "> POST " + receiver.URL, "> Webhook-Signature: v1,", `> {"object":"notification_event"`,
		"< 503 Service Unavailable", "< X-Receiver: busy-box", "< try later, please"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("deliveries show lacks %q:\n%s", want, stdout)
		}
	}
	since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	if stdout, stderr, err := s.cli(t, key, "deliveries", "list", "--since", since); err != nil || !strings.Contains(stdout, delivery) {
		t.Errorf("deliveries list --since %s: %v\n%s%s", since, err, stdout, stderr)
	}
	if _, _, err := s.cli(t, key, "deliveries", "list", "--since", "yesterday"); exitCode(err) != 2 || !strings.Contains(err.Error(), "RFC 3339") {
		t.Errorf("deliveries list --since yesterday: %v, want a usage error that says what --since takes", err)
	}
}

// TestWebhooksTestAndRotateSecret: webhooks test sends an example event and shows its
// first attempt; webhooks rotate-secret prints the new secret alone on stdout, and the
// next test delivery is signed with both secrets.
func TestWebhooksTestAndRotateSecret(t *testing.T) {
	s := startServer(t, "--allow-private-networks")
	key := s.createKey(t, "acme")
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "thanks")
	}))
	defer receiver.Close()
	hook := call(t, key, "POST", s.url+"/v1/webhooks", map[string]any{"name": "cli", "url": receiver.URL,
		"format": "featurebase", "topics": []string{"post.created", "post.voted"}}, 201)
	id := hook["id"].(string)

	stdout, stderr, err := s.cli(t, key, "webhooks", "test", id, "--event", "post.voted")
	if err != nil || !strings.Contains(stdout, "post.voted") || !strings.Contains(stdout, "< 200 OK") || !strings.Contains(stdout, "< thanks") {
		t.Fatalf("webhooks test: %v\n%s%s", err, stdout, stderr)
	}

	stdout, stderr, err = s.cli(t, key, "webhooks", "rotate-secret", id, "--grace-period", "1h")
	newSecret := strings.TrimSpace(stdout)
	if err != nil || !strings.HasPrefix(newSecret, "whsec_") || newSecret == hook["secret"] || strings.Count(stdout, "\n") != 1 {
		t.Fatalf("webhooks rotate-secret: %v, printed %q and %q; want the new secret alone on stdout", err, stdout, stderr)
	}
	stdout, _, err = s.cli(t, key, "webhooks", "test", id)
	if err != nil {
		t.Fatal(err)
	}
	var signatures string
	for line := range strings.Lines(stdout) {
		if v, ok := strings.CutPrefix(line, "> Webhook-Signature: "); ok {
			signatures = strings.TrimSpace(v)
		}
	}
	if n := len(strings.Fields(signatures)); n != 2 {
		t.Errorf("after rotate-secret --grace-period 1h: webhook-signature %q, want two signatures", signatures)
	}
	if _, _, err := s.cli(t, key, "webhooks", "test", "nope"); !errors.Is(err, feedwire.ErrNotFound) {
		t.Errorf("webhooks test of no webhook: %v, want ErrNotFound", err)
	}
}

// TestWebhookDeliveryFlags sets a webhook's rate limit and ordering from the CLI, shows
// them, refuses a bad rate with the API's problem, and removes the limit.
func TestWebhookDeliveryFlags(t *testing.T) {
	s := startServer(t)
	key := s.createKey(t, "acme")
	stdout, _, err := s.cli(t, key, "webhooks", "create", "--name", "ledger", "--url", "https://example.com/hooks",
		"--format", "featurebase", "--topics", "post.created", "--rate-limit", "5", "--ordering", "fifo", "--output", "json")
	if err != nil {
		t.Fatalf("create: %v\n%s", err, stdout)
	}
	var created struct {
		ID        string
		RateLimit struct{ PerSecond, Burst int }
		Ordering  string
	}
	if err := json.Unmarshal([]byte(stdout), &created); err != nil {
		t.Fatal(err)
	}
	if created.RateLimit.PerSecond != 5 || created.RateLimit.Burst != 1 || created.Ordering != "fifo" {
		t.Errorf("created with rate limit %+v and ordering %q, want 5/s in bursts of 1, fifo", created.RateLimit, created.Ordering)
	}
	stdout, _, err = s.cli(t, key, "webhooks", "update", created.ID, "--rate-limit", "20", "--rate-limit-burst", "4", "--ordering", "unordered")
	if err != nil || !strings.Contains(stdout, "20/s, bursts of 4") || !strings.Contains(stdout, "unordered") {
		t.Errorf("update: %v\n%s", err, stdout)
	}
	var fe *feedwire.Error
	if _, _, err := s.cli(t, key, "webhooks", "update", created.ID, "--rate-limit", "-3"); !errors.As(err, &fe) || fe.Problems[0].Field != "rateLimit.perSecond" {
		t.Errorf("a negative rate: %v, want a problem on rateLimit.perSecond", err)
	}
	stdout, _, err = s.cli(t, key, "webhooks", "update", created.ID, "--rate-limit", "0")
	if err != nil || !regexp.MustCompile(`rate limit\s+-`).MatchString(stdout) {
		t.Errorf("--rate-limit 0 did not remove the limit: %v\n%s", err, stdout)
	}
}
