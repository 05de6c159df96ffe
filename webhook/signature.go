package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers that carry signatures and what they sign.
const (
	// HeaderHarvestrWebhookID names the webhook (not the delivery) in the harvestr format.
	HeaderHarvestrWebhookID = "X-Harvestr-Webhook-Id"
	// HeaderHarvestrSignature signs a harvestr delivery; see SignHarvestr.
	HeaderHarvestrSignature = "X-Harvestr-Webhook-Signature"
	// HeaderHarvestrChallengeSignature signs the harvestr challenge; see SignHarvestr.
	HeaderHarvestrChallengeSignature = "X-Harvestr-Signature"
	// HeaderFeaturebaseSignature signs a featurebase delivery; see SignFeaturebase.
	HeaderFeaturebaseSignature = "X-Webhook-Signature"
	// HeaderFeaturebaseTimestamp is the Unix time in seconds the featurebase signature covers.
	HeaderFeaturebaseTimestamp = "X-Webhook-Timestamp"
	// HeaderWebhookID is the Standard Webhooks message id: the envelope id.
	HeaderWebhookID = "webhook-id"
	// HeaderWebhookTimestamp is the Unix time in seconds the Standard Webhooks signature covers.
	HeaderWebhookTimestamp = "webhook-timestamp"
	// HeaderWebhookSignature holds Standard Webhooks signatures; see SignStandard.
	HeaderWebhookSignature = "webhook-signature"
)

// SecretPrefix starts every secret feedwire issues.
const SecretPrefix = "whsec_"

// ErrNoSecret means there is no secret to sign with: none was given, or only empty ones.
var ErrNoSecret = errors.New("webhook: no secret to sign with")

// NewSecret returns a new random secret: "whsec_" and the base64 of 32 bytes.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never returns an error
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// SignHarvestr returns the harvestr signature of body: the lower-case hex HMAC-SHA256
// of the raw body, keyed with the secret as given. The challenge is signed the same way,
// with the empty key when the webhook has no secret.
func SignHarvestr(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// SignFeaturebase returns the featurebase signature of body sent at timestamp (Unix
// seconds): the lower-case hex HMAC-SHA256 of "<timestamp>.<body>", keyed with the whole
// secret string, "whsec_" included.
func SignFeaturebase(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(strconv.AppendInt(nil, timestamp, 10))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// SignStandard returns the value of the Standard Webhooks signature header for a
// message: for each non-empty secret, "v1," and the base64 HMAC-SHA256 of
// "<id>.<timestamp>.<body>", the signatures separated by spaces. A secret of "whsec_"
// and base64 keys it with the bytes it encodes, any other text with its own bytes.
// Empty secrets sign nothing; when every secret is empty it returns ErrNoSecret.
func SignStandard(id string, timestamp int64, body []byte, secrets ...string) (string, error) {
	signatures := make([]string, 0, len(secrets))
	for _, secret := range secrets {
		key := standardKey(secret)
		if key == nil {
			continue
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id))
		mac.Write([]byte{'.'})
		mac.Write(strconv.AppendInt(nil, timestamp, 10))
		mac.Write([]byte{'.'})
		mac.Write(body)
		signatures = append(signatures, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	if len(signatures) == 0 {
		return "", ErrNoSecret
	}
	return strings.Join(signatures, " "), nil
}

// standardKey returns the key of the Standard Webhooks signature for a webhook's
// secret, or nil for the empty secret, which signs nothing. A secret of "whsec_" and
// base64, as Standard Webhooks defines one, stands for the bytes it encodes. Any other
// text, such as a harvestr secret token of the user's choosing, is its own key: that is
// what a Standard Webhooks library computes when given "whsec_" and the base64 of the
// text, so a receiver with such a library verifies either kind.
func standardKey(secret string) []byte {
	if secret == "" {
		return nil
	}
	if encoded, ok := strings.CutPrefix(secret, SecretPrefix); ok {
		if key, err := base64.StdEncoding.DecodeString(encoded); err == nil && len(key) > 0 {
			return key
		}
	}
	return []byte(secret)
}

// The wire formats, as the Format of a webhook names them.
const (
	FormatHarvestr    = "harvestr"
	FormatFeaturebase = "featurebase"
)

// SignHeaders sets the signature headers of a delivery of body at time now. secrets are
// the webhook's current secret, "" when it has none, then any that keep signing during
// a rotation's grace period. webhookID names the webhook and envelopeID the delivery.
//
// The headers of the format carry one signature, keyed with the oldest of secrets:
// the current one, or during a rotation's grace period the previous one, which every
// receiver held when the rotation began; so the rotation breaks none of them before
// the period ends, when the vendor headers move to the new secret. For "harvestr",
// X-Harvestr-Webhook-Id and, when that secret is not empty,
// X-Harvestr-Webhook-Signature; for "featurebase", X-Webhook-Timestamp and
// X-Webhook-Signature; for "operational", none. Then the Standard Webhooks ones:
// webhook-id and webhook-timestamp always, and webhook-signature with a signature for
// each non-empty secret (two during a grace period), left out when there is none: a
// receiver that checks it verifies with the old secret or the new one alike.
func SignHeaders(h http.Header, format, webhookID, envelopeID string, body []byte, now time.Time, secrets ...string) error {
	var vendorKey string
	if len(secrets) > 0 {
		vendorKey = secrets[len(secrets)-1]
	}
	ts := now.Unix()
	switch format {
	case FormatHarvestr:
		h.Set(HeaderHarvestrWebhookID, webhookID)
		if vendorKey != "" {
			h.Set(HeaderHarvestrSignature, SignHarvestr(vendorKey, body))
		}
	case FormatFeaturebase:
		if vendorKey == "" {
			return fmt.Errorf("%w: a featurebase delivery is always signed", ErrNoSecret)
		}
		h.Set(HeaderFeaturebaseTimestamp, strconv.FormatInt(ts, 10))
		h.Set(HeaderFeaturebaseSignature, SignFeaturebase(vendorKey, ts, body))
	case FormatOperational:
		// No vendor's: the Standard Webhooks headers alone.
	default:
		return fmt.Errorf("webhook: unknown format %q", format)
	}
	h.Set(HeaderWebhookID, envelopeID)
	h.Set(HeaderWebhookTimestamp, strconv.FormatInt(ts, 10))
	// SignStandard fails only with ErrNoSecret: no secret, no signature.
	if signature, err := SignStandard(envelopeID, ts, body, secrets...); err == nil {
		h.Set(HeaderWebhookSignature, signature)
	}
	return nil
}
