package webhook_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/feedwire/feedwire/webhook"
)

// Signature vectors computed by hand with openssl:
//
//	printf '%s' '{"challenge":"1"}' | openssl dgst -sha256 -hmac 'token'
//	printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2Vj'
func TestSignVectors(t *testing.T) {
	if got, want := webhook.SignHarvestr("token", []byte(`{"challenge":"1"}`)), "4d590731cdf793df73bfe5613a09cf6c1ee7e5321ae2dac583168950619bc5f2"; got != want {
		t.Errorf("SignHarvestr: got %s, want %s", got, want)
	}
	secret := "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2Vj"
	if got, want := webhook.SignFeaturebase(secret, 1700000000, []byte(`{"a":1}`)), "9ccf5d59896584e9f0c7ae21a17fd5fd9b05ca361b57e8680a34a9162dcbdf70"; got != want {
		t.Errorf("SignFeaturebase: got %s, want %s", got, want)
	}
}

// TestSignStandardWithOfficialLibrary checks SignStandard against the Standard Webhooks
// reference library, with one secret and with two during a rotation.
func TestSignStandardWithOfficialLibrary(t *testing.T) {
	current, previous := webhook.NewSecret(), webhook.NewSecret()
	body := []byte(`{"id":"a0b1","event":"MESSAGE_CREATED","data":{"title":"ünïcødé ✓"}}`)
	now := time.Now()
	header, err := webhook.SignStandard("msg_1", now.Unix(), body, current, previous)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Fields(header)); n != 2 {
		t.Fatalf("got %d signatures in %q, want 2", n, header)
	}
	h := http.Header{}
	h.Set(webhook.HeaderWebhookID, "msg_1")
	h.Set(webhook.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
	h.Set(webhook.HeaderWebhookSignature, header)
	for _, secret := range []string{current, previous} {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(body, h); err != nil {
			t.Errorf("the official library rejects a signature by %s: %v", secret[:12], err)
		}
	}
	other, _ := standardwebhooks.NewWebhook(webhook.NewSecret())
	if err := other.Verify(body, h); err == nil {
		t.Error("the official library accepts the signature with another secret")
	}
	if _, err := webhook.SignStandard("msg_1", now.Unix(), body, ""); !errors.Is(err, webhook.ErrNoSecret) {
		t.Errorf("SignStandard with only the empty secret: err %v, want ErrNoSecret", err)
	}
}

// TestSignStandardTextSecret checks the key of a secret that is not "whsec_" and base64,
// such as a harvestr secret token: its own bytes, which the official library uses when
// given "whsec_" and the base64 of the text.
func TestSignStandardTextSecret(t *testing.T) {
	body := []byte(`{"id":"a0b1","event":"MESSAGE_CREATED","data":{}}`)
	now := time.Now()
	for _, text := range []string{"my shared token 42", "whsec_%%%", "whsec_", "ünïcødé ✓", "x"} {
		header, err := webhook.SignStandard("msg_1", now.Unix(), body, text)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		h := http.Header{}
		h.Set(webhook.HeaderWebhookID, "msg_1")
		h.Set(webhook.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
		h.Set(webhook.HeaderWebhookSignature, header)
		wh, err := standardwebhooks.NewWebhook(webhook.SecretPrefix + base64.StdEncoding.EncodeToString([]byte(text)))
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(body, h); err != nil {
			t.Errorf("%q: the official library, given whsec_ and the base64 of the text, rejects the signature: %v", text, err)
		}
	}
}

// TestSignHeadersSecrets checks which headers each kind of secret yields: none signs
// nothing but the challenge, and during a grace period every non-empty secret signs
// webhook-signature while the vendor signature uses the previous one, the oldest.
func TestSignHeadersSecrets(t *testing.T) {
	body := []byte(`{"id":"a0b1","event":"MESSAGE_CREATED","data":{}}`)
	now := time.Unix(1700000000, 0)
	old := "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2Vj"
	tests := []struct {
		name           string
		secrets        []string
		wantHarvestr   string // the key of X-Harvestr-Webhook-Signature; "" for no header
		wantSignatures int
	}{
		{"no secret", []string{""}, "", 0},
		{"no secrets at all", nil, "", 0},
		{"text secret", []string{"my shared token 42"}, "my shared token 42", 1},
		{"whsec secret", []string{old}, old, 1},
		{"rotated from none", []string{"my shared token 42", ""}, "", 1},
		{"rotated to none", []string{"", old}, old, 1},
		{"rotated to text", []string{"my shared token 42", old}, old, 2},
	}
	for _, tc := range tests {
		h := http.Header{}
		if err := webhook.SignHeaders(h, webhook.FormatHarvestr, "wh_1", "msg_1", body, now, tc.secrets...); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		_, signed := h[webhook.HeaderHarvestrSignature]
		if signed != (tc.wantHarvestr != "") || signed && h.Get(webhook.HeaderHarvestrSignature) != webhook.SignHarvestr(tc.wantHarvestr, body) {
			t.Errorf("%s: %s %q, want one keyed with %q", tc.name, webhook.HeaderHarvestrSignature, h.Get(webhook.HeaderHarvestrSignature), tc.wantHarvestr)
		}
		_, signed = h[http.CanonicalHeaderKey(webhook.HeaderWebhookSignature)]
		if n := len(strings.Fields(h.Get(webhook.HeaderWebhookSignature))); n != tc.wantSignatures || signed != (n > 0) {
			t.Errorf("%s: webhook-signature %q, want %d signatures", tc.name, h.Get(webhook.HeaderWebhookSignature), tc.wantSignatures)
		}
		if h.Get(webhook.HeaderWebhookID) != "msg_1" || h.Get(webhook.HeaderWebhookTimestamp) != "1700000000" || h.Get(webhook.HeaderHarvestrWebhookID) != "wh_1" {
			t.Errorf("%s: headers %v, want webhook-id, webhook-timestamp and X-Harvestr-Webhook-Id", tc.name, h)
		}
	}
	if err := webhook.SignHeaders(http.Header{}, webhook.FormatFeaturebase, "wh_1", "msg_1", body, now, ""); !errors.Is(err, webhook.ErrNoSecret) {
		t.Errorf("a featurebase delivery without a secret: err %v, want ErrNoSecret", err)
	}
}
