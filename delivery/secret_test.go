package delivery_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
)

const harvestrUserAgent = "harvestr-webhook/1.0.0"

// webhookWithSecret registers a webhook of the format with the secret ("" for none,
// nil for a generated one), as webhook does.
func (f *fixture) webhookWithSecret(t *testing.T, format feedwire.Format, url string, secret *string) (*feedwire.Webhook, error) {
	t.Helper()
	topics := []feedwire.EventType{feedwire.MessageCreated}
	if format == feedwire.FormatFeaturebase {
		topics = []feedwire.EventType{"post.created"}
	}
	return f.webhooks.CreateWebhook(context.Background(), f.workspace, feedwire.WebhookInput{
		Name: "test", URL: url, Format: format, Topics: topics, Secret: secret,
	})
}

// deliverMessage creates a message and returns its delivery as the receiver got it,
// once the attempt is recorded.
func (f *fixture) deliverMessage(t *testing.T, r *receiver) request {
	t.Helper()
	f.message(t)
	got := r.next(t)
	if a := f.attempt(t).Attempt; a.Outcome != feedwire.OutcomeDelivered {
		t.Fatalf("attempt outcome %s, want delivered", a.Outcome)
	}
	return got
}

// standardSecret is the secret a Standard Webhooks library takes for a text secret.
func standardSecret(text string) string {
	return "whsec_" + base64.StdEncoding.EncodeToString([]byte(text))
}

// checkUnsigned fails unless got carries the ids and the timestamp of a harvestr
// delivery to w but no signature at all.
func checkUnsigned(t *testing.T, w *feedwire.Webhook, got request) {
	t.Helper()
	for _, name := range []string{"X-Harvestr-Webhook-Signature", "Webhook-Signature", "X-Webhook-Signature"} {
		if v, ok := got.header[name]; ok {
			t.Errorf("an unsigned delivery carries %s: %q", name, v)
		}
	}
	if id := decodeID(t, got.body); got.header.Get("webhook-id") != id {
		t.Errorf("webhook-id %q, want the envelope id %s", got.header.Get("webhook-id"), id)
	}
	if ts := got.header.Get("webhook-timestamp"); ts != strconv.FormatInt(got.at.Unix(), 10) {
		t.Errorf("webhook-timestamp %q, want the attempt's time %d", ts, got.at.Unix())
	}
	if got.header.Get("X-Harvestr-Webhook-Id") != w.ID {
		t.Errorf("X-Harvestr-Webhook-Id %q, want %s", got.header.Get("X-Harvestr-Webhook-Id"), w.ID)
	}
}

// TestHarvestrNoSecret registers a harvestr webhook with "secret": "": its challenge
// is signed with the empty key and its deliveries are not signed, as in Harvestr.
func TestHarvestrNoSecret(t *testing.T) {
	f := setup(t, options{allowPrivate: true})
	r := newReceiver(t, f.clock, nil)
	none := ""
	w, err := f.webhookWithSecret(t, feedwire.FormatHarvestr, r.URL, &none)
	if err != nil {
		t.Fatal(err)
	}
	if w.Secret != "" {
		t.Errorf("secret %q, want none", w.Secret)
	}

	challenge := <-r.challenges
	if got, want := challenge.header.Get("X-Harvestr-Signature"), hexHMAC("", challenge.body); got != want {
		t.Errorf("challenge X-Harvestr-Signature %q, want hex HMAC-SHA256 with the empty key: %s", got, want)
	}
	if ua := challenge.header.Get("User-Agent"); ua != harvestrUserAgent {
		t.Errorf("challenge User-Agent %q, want %q", ua, harvestrUserAgent)
	}

	got := f.deliverMessage(t, r)
	checkUnsigned(t, w, got)
	if ua := got.header.Get("User-Agent"); ua != harvestrUserAgent {
		t.Errorf("delivery User-Agent %q, want %q", ua, harvestrUserAgent)
	}
	if stored, err := f.webhooks.Webhook(context.Background(), f.workspace, w.ID); err != nil || stored.Secret != "" {
		t.Errorf("stored webhook %+v (%v), want no secret", stored, err)
	}
}

// TestHarvestrTextSecret registers harvestr webhooks with secret tokens of the user's
// own choosing: both harvestr signatures are keyed with the text's bytes, and the
// official Standard Webhooks library verifies webhook-signature given "whsec_" and the
// base64 of the text.
func TestHarvestrTextSecret(t *testing.T) {
	tests := []struct {
		name, text string
		standard   string // what the library is given, when not "whsec_" and the base64 of the text
	}{
		{name: "words", text: "my shared token 42"},
		{name: "unicode", text: "ünïcødé ✓ token"},
		{name: "whsec_ but not base64", text: "whsec_not base64"},
		{name: "256 bytes", text: strings.Repeat("k", 256)},
		// A text that is also a Standard Webhooks secret (of 4 bytes) is one to the library.
		{name: "whsec_ and base64", text: "whsec_dGV4dA==", standard: "whsec_dGV4dA=="},
	}
	for _, tc := range tests {
		text := tc.text
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t, options{allowPrivate: true})
			r := newReceiver(t, f.clock, nil)
			w, err := f.webhookWithSecret(t, feedwire.FormatHarvestr, r.URL, &text)
			if err != nil {
				t.Fatal(err)
			}
			if w.Secret != text {
				t.Errorf("secret %q, want %q as given", w.Secret, text)
			}
			challenge := <-r.challenges
			if got, want := challenge.header.Get("X-Harvestr-Signature"), hexHMAC(text, challenge.body); got != want {
				t.Errorf("challenge X-Harvestr-Signature %q, want %s", got, want)
			}
			got := f.deliverMessage(t, r)
			if sig, want := got.header.Get("X-Harvestr-Webhook-Signature"), hexHMAC(text, got.body); sig != want {
				t.Errorf("X-Harvestr-Webhook-Signature %q, want %s", sig, want)
			}
			if tc.standard == "" {
				tc.standard = standardSecret(text)
			}
			verifyStandard(t, tc.standard, got)
			if ua := got.header.Get("User-Agent"); ua != harvestrUserAgent {
				t.Errorf("User-Agent %q, want %q", ua, harvestrUserAgent)
			}
		})
	}
}

// TestFeaturebaseSecrets checks that a featurebase webhook keeps feedwire's User-Agent
// and always has a "whsec_" secret.
func TestFeaturebaseSecrets(t *testing.T) {
	f := setup(t, options{allowPrivate: true})
	r := newReceiver(t, f.clock, nil)
	for _, secret := range []string{"", "my shared token 42"} {
		if _, err := f.webhookWithSecret(t, feedwire.FormatFeaturebase, r.URL, &secret); !isInvalid(err, "secret") {
			t.Errorf("a featurebase webhook with secret %q: %v, want ErrInvalid on secret", secret, err)
		}
	}
	w, err := f.webhookWithSecret(t, feedwire.FormatFeaturebase, r.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.webhooks.TestWebhook(context.Background(), f.workspace, w.ID, ""); err != nil {
		t.Fatal(err)
	}
	got := r.next(t)
	if ua := got.header.Get("User-Agent"); ua != "feedwire-webhooks/1.0" {
		t.Errorf("User-Agent %q, want feedwire-webhooks/1.0", ua)
	}
	for _, secret := range []string{"", "my shared token 42"} {
		if _, err := f.webhooks.RotateWebhookSecret(context.Background(), f.workspace, w.ID, 0, &secret); !isInvalid(err, "secret") {
			t.Errorf("rotating a featurebase webhook to %q: %v, want ErrInvalid on secret", secret, err)
		}
	}
}

// TestRotateHarvestrSecret rotates a harvestr webhook to a text secret, to none and
// back, checking the next delivery each time.
func TestRotateHarvestrSecret(t *testing.T) {
	f := setup(t, options{allowPrivate: true})
	r := newReceiver(t, f.clock, nil)
	w := f.webhook(t, feedwire.FormatHarvestr, r.URL)
	ctx := context.Background()
	text := "my shared token 42"

	// To a text secret with a grace period: the old secret still signs webhook-signature,
	// beside the new one, and alone signs the harvestr header until the period ends.
	rotated, err := f.webhooks.RotateWebhookSecret(ctx, f.workspace, w.ID, time.Hour, &text)
	if err != nil || rotated.Secret != text {
		t.Fatalf("rotate to a text: %+v, %v", rotated, err)
	}
	got := f.deliverMessage(t, r)
	if sig := got.header.Get("X-Harvestr-Webhook-Signature"); sig != hexHMAC(w.Secret, got.body) {
		t.Errorf("X-Harvestr-Webhook-Signature %q during the grace period, want one keyed with the old secret", sig)
	}
	if n := len(strings.Fields(got.header.Get("webhook-signature"))); n != 2 {
		t.Errorf("during the grace period: %d signatures, want 2", n)
	}
	verifyStandard(t, standardSecret(text), got)
	verifyStandard(t, w.Secret, got)
	// Once the period ends, the new secret alone signs both.
	f.clock.Advance(time.Hour + time.Second)
	got = f.deliverMessage(t, r)
	if sig := got.header.Get("X-Harvestr-Webhook-Signature"); sig != hexHMAC(text, got.body) {
		t.Errorf("X-Harvestr-Webhook-Signature %q after the grace period, want one keyed with the text", sig)
	}
	if n := len(strings.Fields(got.header.Get("webhook-signature"))); n != 1 {
		t.Errorf("after the grace period: %d signatures, want 1", n)
	}

	// To none, at once: nothing is signed.
	none := ""
	rotated, err = f.webhooks.RotateWebhookSecret(ctx, f.workspace, w.ID, 0, &none)
	if err != nil || rotated.Secret != "" || rotated.PreviousSecret != nil {
		t.Fatalf("rotate to none: %+v, %v", rotated, err)
	}
	checkUnsigned(t, rotated, f.deliverMessage(t, r))

	// From none, with a grace period: there is no previous secret to keep.
	rotated, err = f.webhooks.RotateWebhookSecret(ctx, f.workspace, w.ID, time.Hour, &text)
	if err != nil || rotated.PreviousSecret != nil || rotated.PreviousSecretExpiresAt != nil {
		t.Fatalf("rotate from none: %+v, %v", rotated, err)
	}
	got = f.deliverMessage(t, r)
	if n := len(strings.Fields(got.header.Get("webhook-signature"))); n != 1 {
		t.Errorf("after rotating from none: %d signatures, want 1", n)
	}
	verifyStandard(t, standardSecret(text), got)

	// To none with a grace period: the text still signs webhook-signature and the
	// harvestr header until the period ends.
	if _, err = f.webhooks.RotateWebhookSecret(ctx, f.workspace, w.ID, time.Hour, &none); err != nil {
		t.Fatal(err)
	}
	got = f.deliverMessage(t, r)
	if sig := got.header.Get("X-Harvestr-Webhook-Signature"); sig != hexHMAC(text, got.body) {
		t.Errorf("X-Harvestr-Webhook-Signature %q, want one keyed with the text until the period ends", sig)
	}
	verifyStandard(t, standardSecret(text), got)

	for _, bad := range []string{"two\nlines", strings.Repeat("k", 257), "tab\there"} {
		if _, err := f.webhooks.RotateWebhookSecret(ctx, f.workspace, w.ID, 0, &bad); !isInvalid(err, "secret") {
			t.Errorf("rotate to %q: %v, want ErrInvalid on secret", bad, err)
		}
	}
}

// isInvalid reports whether err is an ErrInvalid error about field.
func isInvalid(err error, field string) bool {
	var fe *feedwire.Error
	return errors.As(err, &fe) && errors.Is(err, feedwire.ErrInvalid) && len(fe.Problems) == 1 && fe.Problems[0].Field == field
}
