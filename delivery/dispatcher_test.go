package delivery_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/delivery"
	"github.com/feedwire/feedwire/store"
)

// hexHMAC is HMAC-SHA256 in lower-case hex, as both vendors document their signatures.
func hexHMAC(key string, parts ...[]byte) string {
	mac := hmac.New(sha256.New, []byte(key))
	for _, p := range parts {
		mac.Write(p)
	}
	return hex.EncodeToString(mac.Sum(nil))
}

// verifyStandard checks the Standard Webhooks headers with the official library, at
// the time the test clock says.
func verifyStandard(t *testing.T, secret string, got request) {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	// The library checks the timestamp against the real clock, so check that part
	// against the test clock here and let the library check the signature.
	if err := wh.VerifyIgnoringTimestamp(got.body, got.header); err != nil {
		t.Errorf("Standard Webhooks library rejects the delivery: %v", err)
	}
	ts, _ := strconv.ParseInt(got.header.Get("webhook-timestamp"), 10, 64)
	if ts != got.at.Unix() {
		t.Errorf("webhook-timestamp %d, want the attempt's time %d", ts, got.at.Unix())
	}
}

func TestHarvestrDelivery(t *testing.T) {
	f := setup(t, options{allowPrivate: true})
	r := newReceiver(t, f.clock, nil)
	w := f.webhook(t, feedwire.FormatHarvestr, r.URL+"/hook")

	// The challenge came first, signed with the secret.
	challenge := <-r.challenges
	if got, want := challenge.header.Get("X-Harvestr-Signature"), hexHMAC(w.Secret, challenge.body); got != want {
		t.Errorf("challenge signature %s, want %s", got, want)
	}

	m := f.message(t)
	got := r.next(t)
	if want := hexHMAC(w.Secret, got.body); got.header.Get("X-Harvestr-Webhook-Signature") != want {
		t.Errorf("X-Harvestr-Webhook-Signature %s, want hex HMAC-SHA256 of the body: %s", got.header.Get("X-Harvestr-Webhook-Signature"), want)
	}
	if got.header.Get("X-Harvestr-Webhook-Id") != w.ID || got.header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", got.header)
	}
	verifyStandard(t, w.Secret, got)
	id := decodeID(t, got.body)
	if got.header.Get("webhook-id") != id || !strings.Contains(string(got.body), m.ID) {
		t.Errorf("webhook-id %s, envelope id %s, body %s", got.header.Get("webhook-id"), id, got.body)
	}
	r1 := f.attempt(t)
	if r1.Attempt.Outcome != feedwire.OutcomeDelivered || f.delivery(t, id).Status != feedwire.DeliverySucceeded {
		t.Errorf("attempt outcome %s, delivery %+v", r1.Attempt.Outcome, f.delivery(t, id))
	}
}

func TestFeaturebaseTestDelivery(t *testing.T) {
	f := setup(t, options{allowPrivate: true})
	r := newReceiver(t, f.clock, nil)
	w := f.webhook(t, feedwire.FormatFeaturebase, r.URL)
	d, err := f.webhooks.TestWebhook(context.Background(), f.workspace, w.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	got := r.next(t)
	ts := got.header.Get("X-Webhook-Timestamp")
	if want := hexHMAC(w.Secret, []byte(ts), []byte("."), got.body); got.header.Get("X-Webhook-Signature") != want {
		t.Errorf("X-Webhook-Signature %s, want hex HMAC-SHA256 keyed with the whole secret over timestamp.body: %s",
			got.header.Get("X-Webhook-Signature"), want)
	}
	if ts != strconv.FormatInt(f.clock.Now().Unix(), 10) {
		t.Errorf("X-Webhook-Timestamp %s, want the attempt's time", ts)
	}
	verifyStandard(t, w.Secret, got)
	if id := decodeID(t, got.body); id != d.ID || !strings.HasPrefix(id, "notif_") {
		t.Errorf("envelope id %s, want the delivery's %s", id, d.ID)
	}
	for _, want := range []string{`"object":"notification_event"`, `"topic":"post.created"`, `"organizationId":"` + f.workspace, `"webhookId":"` + w.ID, `"item":{"object":"post"`} {
		if !strings.Contains(string(got.body), want) {
			t.Errorf("body lacks %s: %s", want, got.body)
		}
	}
}

// TestRetrySchedule fails twice and then succeeds: the attempts come at the times the
// webhook's schedule sets, with the same envelope and fresh signatures.
func TestRetrySchedule(t *testing.T) {
	f := setup(t, options{allowPrivate: true})
	r := newReceiver(t, f.clock, func(n int, w http.ResponseWriter) {
		if n <= 2 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	w := f.webhook(t, feedwire.FormatHarvestr, r.URL, 5*time.Second, 5*time.Minute)
	start := f.clock.Now()
	f.message(t)

	first := r.next(t)
	if a := f.attempt(t).Attempt; a.Outcome != feedwire.OutcomeRetry || !a.NextAttemptAt.Equal(start.Add(5*time.Second)) {
		t.Fatalf("attempt 1: outcome %s, next %v; want retry at +5s", a.Outcome, a.NextAttemptAt)
	}
	f.advance(4 * time.Second) // not yet due
	f.advance(time.Second)
	second := r.next(t)
	if a := f.attempt(t).Attempt; a.Outcome != feedwire.OutcomeRetry || !a.NextAttemptAt.Equal(start.Add(5*time.Second+5*time.Minute)) {
		t.Fatalf("attempt 2: outcome %s, next %v; want retry 5m later", a.Outcome, a.NextAttemptAt)
	}
	f.advance(5 * time.Minute)
	third := r.next(t)
	if a := f.attempt(t).Attempt; a.Outcome != feedwire.OutcomeDelivered {
		t.Fatalf("attempt 3: outcome %s, want delivered", a.Outcome)
	}

	for i, want := range []time.Duration{0, 5 * time.Second, 5*time.Second + 5*time.Minute} {
		if got := []request{first, second, third}[i].at.Sub(start); got != want {
			t.Errorf("attempt %d came at +%v, want +%v", i+1, got, want)
		}
	}
	id := decodeID(t, first.body)
	if decodeID(t, third.body) != id || string(first.body) != string(third.body) {
		t.Error("the body changed between attempts")
	}
	if first.header.Get("webhook-signature") == third.header.Get("webhook-signature") {
		t.Error("the Standard Webhooks signature was not renewed for a later attempt")
	}
	verifyStandard(t, w.Secret, third)
	attempts, err := f.store.Attempts(context.Background(), f.workspace, id)
	if err != nil || len(attempts) != 3 {
		t.Fatalf("got %d attempts (%v), want 3", len(attempts), err)
	}
	for i, a := range attempts {
		if a.Number != i+1 || len(a.RequestBody) == 0 || a.RequestHeaders.Get("webhook-id") != id {
			t.Errorf("attempt %d recorded as %+v", i+1, a)
		}
	}
	if attempts[0].ResponseStatus != 500 || attempts[0].ErrorClass != feedwire.ErrorStatus || attempts[2].ResponseStatus != 200 {
		t.Errorf("recorded statuses %d/%s and %d", attempts[0].ResponseStatus, attempts[0].ErrorClass, attempts[2].ResponseStatus)
	}
	if d := f.delivery(t, id); d.Status != feedwire.DeliverySucceeded || d.Attempts != 3 {
		t.Errorf("delivery %+v, want succeeded after 3 attempts", d)
	}
}

// TestRetryOnItsOwn runs on the real clock and wakes the dispatcher only by commits, as
// serve does: a retry must come when it is due, not at the next poll.
func TestRetryOnItsOwn(t *testing.T) {
	f := setup(t, options{allowPrivate: true, realClock: true})
	r := newReceiver(t, f.clock, func(n int, w http.ResponseWriter) {
		if n <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	const gap = time.Second // the shortest schedule a webhook may have
	f.webhook(t, feedwire.FormatHarvestr, r.URL, gap, gap)
	f.message(t)
	r.next(t)
	r.next(t)
	third := r.next(t)
	// The schedule counts from when an attempt began, not from when the receiver saw
	// it, and is stored to the millisecond: the next attempt begins no earlier than a
	// millisecond before the gap has passed.
	var began []time.Time
	for range 3 {
		began = append(began, f.attempt(t).Attempt.StartedAt)
	}
	for i := 1; i < len(began); i++ {
		if d := began[i].Sub(began[i-1]); d < gap-time.Millisecond {
			t.Errorf("attempt %d began %v after attempt %d, before its schedule of %v", i+1, d, i, gap)
		}
	}
	if d := f.delivery(t, decodeID(t, third.body)); d.Status != feedwire.DeliverySucceeded || d.Attempts != 3 {
		t.Errorf("delivery %+v, want succeeded after 3 attempts", d)
	}
}

// TestRetryBehindDeliveriesDueNow: a retry is attempted on time even when the claim
// before it took deliveries of the same webhook that were due then. That claim once
// said nothing of the retry waiting behind them, and, with nothing else to wake it,
// the dispatcher slept until its poll, 30 s later.
func TestRetryBehindDeliveriesDueNow(t *testing.T) {
	f := setup(t, options{allowPrivate: true, realClock: true})
	r := newReceiver(t, f.clock, func(n int, w http.ResponseWriter) {
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	const gap = 2 * time.Second
	f.webhook(t, feedwire.FormatHarvestr, r.URL, gap)
	f.message(t)
	r.next(t)
	failed := f.attempt(t).Attempt
	time.Sleep(gap / 4)
	f.message(t) // due at once, claimed while the retry waits
	r.next(t)
	f.attempt(t)
	r.next(t)
	retried := f.attempt(t).Attempt
	if late := retried.StartedAt.Sub(failed.StartedAt.Add(gap)); late > time.Second {
		t.Errorf("the retry began %v after its time", late)
	}
}

// TestGivesUp runs out of schedule: after the last retry the delivery has failed.
func TestGivesUp(t *testing.T) {
	f := setup(t, options{allowPrivate: true})
	r := newReceiver(t, f.clock, func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) })
	f.webhook(t, feedwire.FormatHarvestr, r.URL, time.Second)
	f.message(t)
	r.next(t)
	f.attempt(t)
	f.advance(time.Second)
	got := r.next(t)
	if a := f.attempt(t).Attempt; a.Outcome != feedwire.OutcomeFailed || a.NextAttemptAt != nil {
		t.Errorf("last attempt: outcome %s, next %v; want failed", a.Outcome, a.NextAttemptAt)
	}
	if d := f.delivery(t, decodeID(t, got.body)); d.Status != feedwire.DeliveryFailed || d.NextAttemptAt != nil {
		t.Errorf("delivery %+v, want failed", d)
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter func(now time.Time) string
		want       time.Duration
	}{
		{"429 seconds", http.StatusTooManyRequests, func(time.Time) string { return "120" }, 120 * time.Second},
		{"503 date", http.StatusServiceUnavailable, func(now time.Time) string { return now.Add(time.Hour).UTC().Format(http.TimeFormat) }, time.Hour},
		{"shorter than the schedule", http.StatusTooManyRequests, func(time.Time) string { return "1" }, 5 * time.Second},
		{"bounded", http.StatusTooManyRequests, func(time.Time) string { return "9999999" }, 24 * time.Hour},
		{"ignored on 500", http.StatusInternalServerError, func(time.Time) string { return "120" }, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t, options{allowPrivate: true})
			r := newReceiver(t, f.clock, func(_ int, w http.ResponseWriter) {
				w.Header().Set("Retry-After", tt.retryAfter(f.clock.Now()))
				w.WriteHeader(tt.status)
			})
			f.webhook(t, feedwire.FormatHarvestr, r.URL, 5*time.Second)
			f.message(t)
			r.next(t)
			a := f.attempt(t).Attempt
			if a.NextAttemptAt == nil || a.NextAttemptAt.Sub(a.StartedAt) != tt.want {
				t.Errorf("next attempt %v after %v, want %v later", a.NextAttemptAt, a.StartedAt, tt.want)
			}
		})
	}
}

// TestGoneSuspends answers 410: the webhook is suspended at once, its deliveries wait,
// new events queue nothing, and reactivating it resets its health and resumes them.
func TestGoneSuspends(t *testing.T) {
	f := setup(t, options{allowPrivate: true})
	gone := true
	r := newReceiver(t, f.clock, func(_ int, w http.ResponseWriter) {
		if gone {
			w.WriteHeader(http.StatusGone)
		}
	})
	w := f.webhook(t, feedwire.FormatHarvestr, r.URL)
	f.message(t)
	got := r.next(t)
	if a := f.attempt(t).Attempt; a.Outcome != feedwire.OutcomeSuspended {
		t.Fatalf("outcome %s, want suspended", a.Outcome)
	}
	ctx := context.Background()
	suspended, err := f.webhooks.Webhook(ctx, f.workspace, w.ID)
	if err != nil || suspended.Status != feedwire.WebhookSuspended || suspended.StatusReason == nil || suspended.LastStatus.Code != 410 {
		t.Fatalf("webhook %+v, %v; want suspended after 410", suspended, err)
	}
	held := f.delivery(t, decodeID(t, got.body))
	if held.Status != feedwire.DeliveryPending || held.NextAttemptAt != nil {
		t.Errorf("delivery %+v, want pending and held", held)
	}
	f.message(t)
	if page, _ := f.store.Deliveries(ctx, f.workspace, feedwire.DeliveryFilter{ListParams: feedwire.ListParams{Limit: 10}}); len(page.Items) != 1 {
		t.Errorf("a suspended webhook got %d deliveries, want only the first", len(page.Items))
	}

	gone = false
	active, err := f.webhooks.UpdateWebhook(ctx, f.workspace, w.ID, feedwire.WebhookPatch{Status: feedwire.Set(feedwire.WebhookActive)})
	if err != nil || active.Status != feedwire.WebhookActive || active.Health.ErrorsSinceLastSuccess != 0 || active.StatusReason != nil {
		t.Fatalf("reactivate: %+v, %v", active, err)
	}
	if again := r.next(t); decodeID(t, again.body) != held.ID {
		t.Errorf("after reactivation got %s, want the held delivery %s", decodeID(t, again.body), held.ID)
	}
}

// TestSuspendsAfterFailingTooLong fails every attempt: once no attempt has succeeded for
// the configured span, the webhook is suspended.
func TestSuspendsAfterFailingTooLong(t *testing.T) {
	f := setup(t, options{allowPrivate: true, suspendAfter: time.Hour})
	r := newReceiver(t, f.clock, func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) })
	w := f.webhook(t, feedwire.FormatHarvestr, r.URL, 30*time.Minute, 30*time.Minute, 30*time.Minute)
	f.message(t)
	var outcomes []feedwire.Outcome
	for range 3 {
		r.next(t)
		outcomes = append(outcomes, f.attempt(t).Attempt.Outcome)
		f.advance(30 * time.Minute)
	}
	want := []feedwire.Outcome{feedwire.OutcomeRetry, feedwire.OutcomeRetry, feedwire.OutcomeSuspended}
	if strings.Join(asStrings(outcomes), ",") != strings.Join(asStrings(want), ",") {
		t.Errorf("outcomes %v, want %v", outcomes, want)
	}
	got, _ := f.webhooks.Webhook(context.Background(), f.workspace, w.ID)
	if got.Status != feedwire.WebhookSuspended || got.Health.ErrorsSinceLastSuccess != 3 {
		t.Errorf("webhook %s with %d errors, want suspended with 3", got.Status, got.Health.ErrorsSinceLastSuccess)
	}
}

func asStrings[T ~string](v []T) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = string(s)
	}
	return out
}

func TestFailureClasses(t *testing.T) {
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter, r *http.Request)
		want   feedwire.ErrorClass
	}{
		{"redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/elsewhere", http.StatusFound) }, feedwire.ErrorRedirect},
		{"status", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotFound) }, feedwire.ErrorStatus},
		{"timeout", func(w http.ResponseWriter, r *http.Request) {
			io.ReadAll(r.Body) // the server notices the client leaving only once the body is read
			<-r.Context().Done()
		}, feedwire.ErrorTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t, options{allowPrivate: true})
			srv := newHandlerServer(t, tt.answer)
			w, err := f.webhooks.CreateWebhook(context.Background(), f.workspace, feedwire.WebhookInput{
				Name: "x", URL: srv.URL + "/hook", Format: feedwire.FormatFeaturebase, Topics: []feedwire.EventType{"post.created"},
				Timeout: time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.webhooks.TestWebhook(context.Background(), f.workspace, w.ID, ""); err != nil {
				t.Fatal(err)
			}
			if a := f.attempt(t).Attempt; a.ErrorClass != tt.want || a.Outcome != feedwire.OutcomeFailed {
				t.Errorf("class %q (%s), outcome %s; want %s, failed (a test is attempted once)", a.ErrorClass, a.ErrorMessage, a.Outcome, tt.want)
			}
		})
	}
}

func TestConnectFailure(t *testing.T) {
	f := setup(t, options{allowPrivate: true})
	srv := newHandlerServer(t, func(http.ResponseWriter, *http.Request) {})
	url := srv.URL
	srv.Close() // nothing listens there now
	w, err := f.webhooks.CreateWebhook(context.Background(), f.workspace, feedwire.WebhookInput{
		Name: "x", URL: url, Format: feedwire.FormatFeaturebase, Topics: []feedwire.EventType{"post.created"},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.webhooks.TestWebhook(context.Background(), f.workspace, w.ID, "")
	if a := f.attempt(t).Attempt; a.ErrorClass != feedwire.ErrorConnect {
		t.Errorf("class %q (%s), want connect", a.ErrorClass, a.ErrorMessage)
	}
}

// TestPrivateNetworksBlocked runs without --allow-private-networks: a featurebase
// webhook to loopback records a blocked attempt, and a harvestr one is refused at
// registration because its challenge is blocked.
func TestPrivateNetworksBlocked(t *testing.T) {
	f := setup(t, options{allowPrivate: false})
	r := newReceiver(t, f.clock, nil)
	w := f.webhook(t, feedwire.FormatFeaturebase, r.URL)
	if _, err := f.webhooks.TestWebhook(context.Background(), f.workspace, w.ID, ""); err != nil {
		t.Fatal(err)
	}
	if a := f.attempt(t).Attempt; a.ErrorClass != feedwire.ErrorBlocked || strings.Contains(a.ErrorMessage, "127.0.0.1") {
		t.Errorf("class %q (%s), want blocked, without naming the address", a.ErrorClass, a.ErrorMessage)
	}
	_, err := f.webhooks.CreateWebhook(context.Background(), f.workspace, feedwire.WebhookInput{
		Name: "x", URL: r.URL, Format: feedwire.FormatHarvestr, Topics: []feedwire.EventType{feedwire.MessageCreated},
	})
	var fe *feedwire.Error
	if !errors.As(err, &fe) || !errors.Is(err, feedwire.ErrInvalid) || fe.Problems[0].Field != "url" ||
		!strings.Contains(fe.Problems[0].Message, "challenge was blocked") {
		t.Errorf("got %v, want an invalid url: the challenge was blocked", err)
	}
	if len(r.challenges) != 0 {
		t.Error("the blocked challenge reached the receiver")
	}
}

func TestChallengeRefused(t *testing.T) {
	f := setup(t, options{allowPrivate: true})
	srv := newHandlerServer(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) })
	_, err := f.webhooks.CreateWebhook(context.Background(), f.workspace, feedwire.WebhookInput{
		Name: "x", URL: srv.URL, Format: feedwire.FormatHarvestr, Topics: []feedwire.EventType{feedwire.MessageCreated},
	})
	if err == nil || !strings.Contains(err.Error(), "401 Unauthorized") {
		t.Errorf("got %v, want a refusal that quotes the 401", err)
	}
	if page, _ := f.webhooks.Webhooks(context.Background(), f.workspace, feedwire.ListParams{Limit: 10}); len(page.Items) != 0 {
		t.Error("a refused webhook was stored")
	}
}

// TestRotationGrace rotates the secret with a grace period: both secrets sign
// webhook-signature until it ends, the vendor signature uses the new one at once.
func TestRotationGrace(t *testing.T) {
	f := setup(t, options{allowPrivate: true})
	r := newReceiver(t, f.clock, nil)
	w := f.webhook(t, feedwire.FormatHarvestr, r.URL)
	rotated, err := f.webhooks.RotateWebhookSecret(context.Background(), f.workspace, w.ID, time.Hour, nil)
	if err != nil || rotated.Secret == w.Secret {
		t.Fatalf("rotate: %v", err)
	}
	f.message(t)
	during := r.next(t)
	if n := len(strings.Fields(during.header.Get("webhook-signature"))); n != 2 {
		t.Errorf("during the grace period: %d signatures, want 2", n)
	}
	verifyStandard(t, w.Secret, during)
	verifyStandard(t, rotated.Secret, during)
	if during.header.Get("X-Harvestr-Webhook-Signature") != hexHMAC(w.Secret, during.body) {
		t.Error("the harvestr signature does not use the old secret during the grace period")
	}
	f.attempt(t)

	f.clock.Advance(time.Hour)
	f.message(t)
	after := r.next(t)
	if n := len(strings.Fields(after.header.Get("webhook-signature"))); n != 1 {
		t.Errorf("after the grace period: %d signatures, want 1", n)
	}
	verifyStandard(t, rotated.Secret, after)
	if after.header.Get("X-Harvestr-Webhook-Signature") != hexHMAC(rotated.Secret, after.body) {
		t.Error("the harvestr signature does not use the new secret after the grace period")
	}
}

func newHandlerServer(t *testing.T, h http.HandlerFunc) *receiverServer {
	t.Helper()
	srv := &receiverServer{newTestServer(h)}
	t.Cleanup(srv.Close)
	return srv
}

// TestShutdownDrains stops the dispatcher while an attempt is under way: Run returns only
// once the attempt has finished and been recorded.
func TestShutdownDrains(t *testing.T) {
	f := setup(t, options{allowPrivate: true})
	release, stopped := stopWithAttemptUnderWay(t, f)
	release()
	<-stopped
	if a := f.attempt(t).Attempt; a.Outcome != feedwire.OutcomeDelivered {
		t.Errorf("the drained attempt was recorded as %s, want delivered", a.Outcome)
	}
}

// stopWithAttemptUnderWay delivers a message to a receiver that holds its answer until
// release is called (or the test ends), then begins stopping the dispatcher, and checks
// that it does not stop meanwhile. stopped is closed once it has.
func stopWithAttemptUnderWay(t *testing.T, f *fixture) (release func(), stopped chan struct{}) {
	t.Helper()
	arrived, held := make(chan struct{}), make(chan struct{})
	r := newReceiver(t, f.clock, func(int, http.ResponseWriter) {
		close(arrived)
		<-held
	})
	var once sync.Once
	release = func() { once.Do(func() { close(held) }) }
	t.Cleanup(release) // before the receiver closes
	f.webhook(t, feedwire.FormatHarvestr, r.URL)
	f.message(t)
	<-arrived
	stopped = make(chan struct{})
	go func() { f.stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("the dispatcher stopped with an attempt under way")
	case <-time.After(50 * time.Millisecond):
	}
	return release, stopped
}

// TestAbandonLeavesTheDelivery: shutdown that cannot wait for a hanging attempt
// abandons it: Run returns without recording it, and the delivery is due again at
// once, for the next start.
func TestAbandonLeavesTheDelivery(t *testing.T) {
	f := setup(t, options{allowPrivate: true})
	_, stopped := stopWithAttemptUnderWay(t, f) // the receiver answers only when the test ends
	f.dispatcher.Abandon()
	select {
	case <-stopped:
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return within 2s of Abandon")
	}
	select {
	case a := <-f.recorded:
		t.Errorf("an abandoned attempt was recorded: %+v", a.Attempt)
	default:
	}
	claimed, err := f.store.ClaimDeliveries(context.Background(), feedwire.ClaimRequest{Now: f.clock.Now(), Limit: 10, Lease: time.Minute})
	if err != nil || len(claimed.Claims) != 1 || claimed.Claims[0].Delivery.Attempts != 0 {
		t.Errorf("after Abandon: claimed %+v, %v; want the delivery due again, with no attempt", claimed, err)
	}
}

// hangingRecords is a store that does not answer when attempts are recorded or leases
// released.
type hangingRecords struct{ *store.Store }

func (hangingRecords) RecordAttempts(ctx context.Context, _ []feedwire.AttemptResult, _ time.Duration) error {
	<-ctx.Done()
	return ctx.Err()
}

func (hangingRecords) ReleaseOwnLeases(ctx context.Context, _ time.Time) (int, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

// TestAbandonDoesNotWaitForTheStore: a store that does not answer the last record
// holds shutdown only until Abandon; then Run returns within a second, and the
// delivery, whose record was lost, is sent again when its lease ends.
func TestAbandonDoesNotWaitForTheStore(t *testing.T) {
	f := setup(t, options{allowPrivate: true, queue: func(s *store.Store) delivery.Queue { return hangingRecords{s} }})
	r := newReceiver(t, f.clock, func(int, http.ResponseWriter) {})
	f.webhook(t, feedwire.FormatHarvestr, r.URL)
	f.message(t)
	r.next(t) // delivered: its record now hangs
	stopped := make(chan struct{})
	go func() { f.stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("Run returned while the record of an attempt was under way")
	case <-time.After(100 * time.Millisecond):
	}
	abandoned := time.Now()
	f.dispatcher.Abandon()
	select {
	case <-stopped:
		if took := time.Since(abandoned); took > 1500*time.Millisecond {
			t.Errorf("Run returned %v after Abandon, want within about a second", took)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5s of Abandon: the store's hang held it")
	}
}

// TestLeaseRunsOutInTheQueue: a delivery claimed ahead waits for a free sender; if it
// waited so long, behind attempts that hang, that its lease could end before its own
// attempt did, it is not sent then (another claim could send it again) but when it is
// due again, once its lease has ended: every delivery arrives once.
func TestLeaseRunsOutInTheQueue(t *testing.T) {
	f := setup(t, options{allowPrivate: true, perWebhook: 16, perWorkspace: 16}) // 8 workers
	var hung sync.WaitGroup
	hung.Add(8)
	release := make(chan struct{})
	r := newReceiver(t, f.clock, func(n int, w http.ResponseWriter) {
		if n <= 8 {
			hung.Done()
			<-release
		}
	})
	f.webhook(t, feedwire.FormatHarvestr, r.URL)
	<-r.challenges
	for range 16 {
		f.message(t)
	}
	hung.Wait() // every sender is busy
	leaseEnd := f.clock.Now().Add(time.Minute)
	deadline := time.Now().Add(10 * time.Second)
	for claimed := 0; claimed < 16; {
		if time.Now().After(deadline) {
			t.Fatalf("%d of 16 deliveries claimed", claimed)
		}
		page, err := f.store.Deliveries(context.Background(), f.workspace, feedwire.DeliveryFilter{ListParams: feedwire.ListParams{Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		claimed = 0
		for _, d := range page.Items {
			if d.NextAttemptAt != nil && !d.NextAttemptAt.Before(leaseEnd.Add(-time.Second)) {
				claimed++
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	// 56 s later the waiting ones' leases have less left than a webhook's 5 s timeout.
	f.clock.Advance(56 * time.Second)
	close(release)
	for range 8 {
		f.attempt(t)
	}
	seen := map[string]int{}
	for range 8 { // the eight that hung
		seen[decodeID(t, r.next(t).body)]++
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(r.got); n > 0 {
		t.Fatalf("%d deliveries sent with too little of their lease left", n)
	}
	f.advance(5 * time.Second) // the leases have ended: due again
	for range 8 {
		seen[decodeID(t, r.next(t).body)]++
	}
	if len(seen) != 16 {
		t.Errorf("%d distinct deliveries arrived, want 16", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("delivery %s arrived %d times", id, n)
		}
	}
}

// TestTemplateThatFailsOnAnEvent: a template that rendered every catalog example may
// still fail on a real payload (here one without the optional integrationUrl the
// template measures). The attempt is of error class render, with the template's error,
// and no request is sent.
func TestTemplateThatFailsOnAnEvent(t *testing.T) {
	f := setup(t, options{allowPrivate: true})
	sent := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sent <- struct{}{} }))
	defer srv.Close()
	_, err := f.webhooks.CreateWebhook(context.Background(), f.workspace, feedwire.WebhookInput{
		Name: "tmpl", URL: srv.URL, Format: feedwire.FormatTemplate, Topics: []feedwire.EventType{feedwire.MessageCreated},
		Template: &feedwire.WebhookTemplate{Body: `{{len .Payload.data.integrationUrl}}`, ContentType: "text/plain"},
	})
	if err != nil {
		t.Fatalf("the template renders the catalog's example, yet: %v", err)
	}
	f.message(t) // no integrationUrl
	a := f.attempt(t).Attempt
	if a.ErrorClass != feedwire.ErrorRender || a.ResponseStatus != 0 || !strings.Contains(a.ErrorMessage, "len of") {
		t.Errorf("attempt: class %q, status %d, error %q; want class render with the template's error", a.ErrorClass, a.ResponseStatus, a.ErrorMessage)
	}
	select {
	case <-sent:
		t.Error("a request was sent without its body")
	default:
	}
}
