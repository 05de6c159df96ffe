package webhook_test

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/feedwire/feedwire/webhook"
)

// FuzzVerify checks the verifiers against anything a request may carry and against
// the package's own signing:
//   - any signature, timestamp and id headers, any body and any secret: no verifier
//     panics;
//   - a delivery signed by SignHeaders, in either format, with any secret, envelope id,
//     time and body, verifies with that secret at that time;
//   - the same delivery with one byte changed in its body, a signature, a timestamp or
//     the envelope id does not verify; the vendor headers are changed in a copy
//     without webhook-signature, which decides when present. (A hex signature is read
//     in either case, so a change of case alone is no change.)
func FuzzVerify(f *testing.F) {
	f.Add(testSecret, []byte(`{"id":"1","event":"MESSAGE_CREATED"}`), false, "5f0c1f6e", int64(1736951400), uint16(3), byte(1), "sha", "1736951400", "msg_1")
	f.Add("my own harvestr token", []byte(`{}`), false, "id", int64(0), uint16(0), byte(0x20), "", "", "")
	f.Add(testSecret, []byte(`{"object":"notification_event"}`), true, "notif_01", int64(-1), uint16(70), byte(0x80), "v1,abc v1,def", "+1", " ")
	f.Add("whsec_", []byte{0xff, 0}, true, "x", int64(1<<62), uint16(1<<15), byte(0xff), "v1,", "9999999999999999999999", "id")
	f.Fuzz(func(t *testing.T, secret string, body []byte, featurebase bool, envelopeID string, ts int64,
		at uint16, mask byte, sig, timestamp, id string) {
		now := time.Unix(ts, 0)
		clock := webhook.WithClock(func() time.Time { return now })

		// Whatever a request carries.
		webhook.VerifyHarvestr(secret, body, sig)
		webhook.VerifyFeaturebase(secret, body, timestamp, sig, clock)
		webhook.VerifyStandard(secret, body, id, timestamp, sig, clock)
		anyHeader := http.Header{}
		for _, name := range []string{webhook.HeaderHarvestrSignature, webhook.HeaderFeaturebaseSignature, webhook.HeaderWebhookSignature} {
			anyHeader.Set(name, sig)
		}
		anyHeader.Set(webhook.HeaderFeaturebaseTimestamp, timestamp)
		anyHeader.Set(webhook.HeaderWebhookTimestamp, timestamp)
		anyHeader.Set(webhook.HeaderWebhookID, id)
		webhook.Verify(secret, anyHeader, body, clock)

		// What the package signs.
		format := webhook.FormatHarvestr
		if featurebase {
			format = webhook.FormatFeaturebase
		}
		if envelopeID == "" {
			envelopeID = "msg" // feedwire's envelope ids are never empty
		}
		h := http.Header{}
		err := webhook.SignHeaders(h, format, "wh_1", envelopeID, body, now, secret)
		switch {
		case secret == "" && featurebase:
			if !errors.Is(err, webhook.ErrNoSecret) {
				t.Fatalf("SignHeaders without a secret: %v, want ErrNoSecret", err)
			}
			return
		case err != nil:
			t.Fatalf("SignHeaders: %v", err)
		case secret == "":
			// A harvestr webhook without a secret signs nothing, and nothing verifies.
			if err := webhook.Verify(secret, h, body, clock); !errors.Is(err, webhook.ErrMissingSignature) {
				t.Fatalf("Verify of an unsigned delivery: %v, want ErrMissingSignature", err)
			}
			return
		}
		if err := webhook.Verify(secret, h, body, clock); err != nil {
			t.Fatalf("Verify of its own signature: %v (headers %q)", err, h)
		}

		if mask == 0 {
			mask = 1
		}
		// One byte changed in the body.
		if len(body) > 0 {
			changed := bytes.Clone(body)
			changed[int(at)%len(changed)] ^= mask
			if err := webhook.Verify(secret, h, changed, clock); !errors.Is(err, webhook.ErrInvalidSignature) {
				t.Errorf("Verify with body byte %d changed: %v, want ErrInvalidSignature", int(at)%len(changed), err)
			}
		}
		// The vendor signature alone, as a receiver of the vendor's scheme checks it.
		vendorOnly := h.Clone()
		vendorOnly.Del(webhook.HeaderWebhookSignature)
		if err := webhook.Verify(secret, vendorOnly, body, clock); err != nil {
			t.Fatalf("Verify of its own vendor signature alone: %v (headers %q)", err, vendorOnly)
		}
		// One byte changed in a header the deciding signature covers.
		for _, c := range []struct {
			header http.Header
			names  []string
		}{
			{h, []string{webhook.HeaderWebhookSignature, webhook.HeaderWebhookTimestamp, webhook.HeaderWebhookID}},
			{vendorOnly, []string{webhook.HeaderHarvestrSignature, webhook.HeaderFeaturebaseSignature, webhook.HeaderFeaturebaseTimestamp}},
		} {
			for _, name := range c.names {
				v := c.header.Get(name)
				if v == "" {
					continue
				}
				b := []byte(v)
				b[int(at)%len(b)] ^= mask
				if strings.EqualFold(string(b), v) && name != webhook.HeaderWebhookSignature && name != webhook.HeaderWebhookID {
					continue // a hex signature in another case is the same signature
				}
				changed := c.header.Clone()
				changed.Set(name, string(b))
				if err := webhook.Verify(secret, changed, body, clock); err == nil {
					t.Errorf("Verify with %s changed from %q to %q: verified", name, v, b)
				}
			}
		}
	})
}
