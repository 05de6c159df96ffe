package webhook_test

import (
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
	if _, err := webhook.SignStandard("msg_1", now.Unix(), body, "whsec_%%%"); err == nil {
		t.Error("SignStandard accepted a secret that is not base64")
	}
}
