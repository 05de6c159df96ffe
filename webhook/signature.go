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

// ErrSecretFormat means a secret is not "whsec_" and base64, so it cannot key a
// Standard Webhooks signature.
var ErrSecretFormat = errors.New("webhook: a secret must be whsec_ and base64")

// NewSecret returns a new random secret: "whsec_" and the base64 of 32 bytes.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never returns an error
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// SignHarvestr returns the harvestr signature of body: the lower-case hex HMAC-SHA256
// of the raw body, keyed with the secret as given. The challenge is signed the same way.
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
// message: for each secret, "v1," and the base64 HMAC-SHA256 of "<id>.<timestamp>.<body>"
// keyed with the base64-decoded part of the secret, the signatures separated by spaces.
func SignStandard(id string, timestamp int64, body []byte, secrets ...string) (string, error) {
	signatures := make([]string, 0, len(secrets))
	for _, secret := range secrets {
		key, err := standardKey(secret)
		if err != nil {
			return "", err
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id))
		mac.Write([]byte{'.'})
		mac.Write(strconv.AppendInt(nil, timestamp, 10))
		mac.Write([]byte{'.'})
		mac.Write(body)
		signatures = append(signatures, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return strings.Join(signatures, " "), nil
}

// standardKey returns the HMAC key a Standard Webhooks secret stands for.
func standardKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil || len(key) == 0 {
		return nil, ErrSecretFormat
	}
	return key, nil
}

// The wire formats, as the Format of a webhook names them.
const (
	FormatHarvestr    = "harvestr"
	FormatFeaturebase = "featurebase"
)

// SignHeaders sets the signature headers of a delivery of body at time now: those of
// the format ("harvestr" or "featurebase"), keyed with the first secret, and the
// Standard Webhooks ones, with a signature for each secret (two during a rotation's
// grace period). webhookID names the webhook and envelopeID the delivery.
func SignHeaders(h http.Header, format, webhookID, envelopeID string, body []byte, now time.Time, secrets ...string) error {
	if len(secrets) == 0 {
		return ErrSecretFormat
	}
	ts := now.Unix()
	switch format {
	case FormatHarvestr:
		h.Set(HeaderHarvestrWebhookID, webhookID)
		h.Set(HeaderHarvestrSignature, SignHarvestr(secrets[0], body))
	case FormatFeaturebase:
		h.Set(HeaderFeaturebaseTimestamp, strconv.FormatInt(ts, 10))
		h.Set(HeaderFeaturebaseSignature, SignFeaturebase(secrets[0], ts, body))
	default:
		return fmt.Errorf("webhook: unknown format %q", format)
	}
	signature, err := SignStandard(envelopeID, ts, body, secrets...)
	if err != nil {
		return err
	}
	h.Set(HeaderWebhookID, envelopeID)
	h.Set(HeaderWebhookTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderWebhookSignature, signature)
	return nil
}
