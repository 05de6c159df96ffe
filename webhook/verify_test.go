package webhook_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/feedwire/feedwire/webhook"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

var sentAt = time.Date(2025, 1, 15, 14, 30, 0, 0, time.UTC)

func at(t time.Time) webhook.Option { return webhook.WithClock(func() time.Time { return t }) }

func signed(t *testing.T, format string, body []byte, secrets ...string) http.Header {
	t.Helper()
	h := http.Header{}
	if err := webhook.SignHeaders(h, format, "wh_1", "msg_1", body, sentAt, secrets...); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestVerifyRefuses checks that each kind of bad request fails with its own error, in
// both formats.
func TestVerifyRefuses(t *testing.T) {
	body := []byte(`{"id":"msg_1","event":"MESSAGE_CREATED","data":{}}`)
	for _, format := range []string{webhook.FormatHarvestr, webhook.FormatFeaturebase} {
		good := signed(t, format, body, testSecret)
		if err := webhook.Verify(testSecret, good, body, at(sentAt.Add(time.Minute))); err != nil {
			t.Errorf("%s: a good delivery: %v", format, err)
		}
		tests := []struct {
			name   string
			header http.Header
			body   []byte
			now    time.Time
			want   error
		}{
			{"tampered body", good, []byte(`{"id":"msg_1","event":"MESSAGE_CREATED","data":{"x":1}}`), sentAt, webhook.ErrInvalidSignature},
			{"wrong secret", signed(t, format, body, "whsec_b3RoZXIgc2VjcmV0IG9mIDI0IGJ5dGVzISE="), body, sentAt, webhook.ErrInvalidSignature},
			{"6 minutes old", good, body, sentAt.Add(6 * time.Minute), webhook.ErrTimestampOutOfRange},
			{"6 minutes ahead", good, body, sentAt.Add(-6 * time.Minute), webhook.ErrTimestampOutOfRange},
			{"no signature", http.Header{}, body, sentAt, webhook.ErrMissingSignature},
		}
		for _, tc := range tests {
			if err := webhook.Verify(testSecret, tc.header, tc.body, at(tc.now)); !errors.Is(err, tc.want) {
				t.Errorf("%s, %s: err %v, want %v", format, tc.name, err, tc.want)
			}
		}
	}
}

func TestVerifyFeaturebaseTimestamp(t *testing.T) {
	body := []byte(`{}`)
	sig := webhook.SignFeaturebase(testSecret, sentAt.Unix(), body)
	ts := strconv.FormatInt(sentAt.Unix(), 10)
	if err := webhook.VerifyFeaturebase(testSecret, body, ts, sig, at(sentAt.Add(4*time.Minute))); err != nil {
		t.Errorf("4 minutes old: %v", err)
	}
	if err := webhook.VerifyFeaturebase(testSecret, body, "soon", sig, at(sentAt)); !errors.Is(err, webhook.ErrInvalidTimestamp) {
		t.Errorf("a timestamp that is not a number: %v", err)
	}
	if err := webhook.VerifyFeaturebase(testSecret, body, ts, sig, at(sentAt.Add(time.Hour)), webhook.WithTolerance(2*time.Hour)); err != nil {
		t.Errorf("within a wider tolerance: %v", err)
	}
}

// TestVerifyStandardRotation accepts either secret while a rotation lists both.
func TestVerifyStandardRotation(t *testing.T) {
	body := []byte(`{}`)
	old, current := testSecret, "whsec_b3RoZXIgc2VjcmV0IG9mIDI0IGJ5dGVzISE="
	h := signed(t, webhook.FormatFeaturebase, body, current, old)
	for _, secret := range []string{old, current} {
		err := webhook.VerifyStandard(secret, body, h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature"), at(sentAt))
		if err != nil {
			t.Errorf("secret %s: %v", secret, err)
		}
	}
}

// TestVerifyTextSecret verifies deliveries signed with a harvestr secret token of the
// user's own choosing, given that same text, and refuses them given another.
func TestVerifyTextSecret(t *testing.T) {
	body := []byte(`{"id":"msg_1","event":"MESSAGE_CREATED","data":{}}`)
	const text = "my shared token 42"
	h := signed(t, webhook.FormatHarvestr, body, text)
	if err := webhook.Verify(text, h, body, at(sentAt)); err != nil {
		t.Errorf("Verify with the text secret: %v", err)
	}
	err := webhook.VerifyStandard(text, body, h.Get(webhook.HeaderWebhookID), h.Get(webhook.HeaderWebhookTimestamp), h.Get(webhook.HeaderWebhookSignature), at(sentAt))
	if err != nil {
		t.Errorf("VerifyStandard with the text secret: %v", err)
	}
	if err := webhook.Verify("my shared token 43", h, body, at(sentAt)); !errors.Is(err, webhook.ErrInvalidSignature) {
		t.Errorf("Verify with another text: err %v, want ErrInvalidSignature", err)
	}
	if err := webhook.Verify("", h, body, at(sentAt)); !errors.Is(err, webhook.ErrInvalidSignature) {
		t.Errorf("Verify with no secret: err %v, want ErrInvalidSignature", err)
	}
}

// TestVerifyNoSecret checks that the delivery of a webhook without a secret, which
// carries no signature, does not pass for a verified one.
func TestVerifyNoSecret(t *testing.T) {
	body := []byte(`{"id":"msg_1","event":"MESSAGE_CREATED","data":{}}`)
	h := signed(t, webhook.FormatHarvestr, body, "")
	if err := webhook.Verify("", h, body, at(sentAt)); !errors.Is(err, webhook.ErrMissingSignature) {
		t.Errorf("Verify of an unsigned delivery: err %v, want ErrMissingSignature", err)
	}
}
