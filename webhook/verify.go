package webhook

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The errors verification returns. Each is wrapped with detail; test with errors.Is.
var (
	// ErrMissingSignature means the request carries none of the signature headers,
	// or a signature without the timestamp or id it covers.
	ErrMissingSignature = errors.New("webhook: missing signature")
	// ErrInvalidSignature means a signature does not match the body and the secret:
	// the body was changed, or the secret is not the webhook's.
	ErrInvalidSignature = errors.New("webhook: invalid signature")
	// ErrInvalidTimestamp means a timestamp header is not Unix seconds.
	ErrInvalidTimestamp = errors.New("webhook: invalid timestamp")
	// ErrTimestampOutOfRange means the signed timestamp is further from now than the
	// tolerance, in either direction: an old request replayed, or a skewed clock.
	ErrTimestampOutOfRange = errors.New("webhook: timestamp out of range")
)

// DefaultTolerance is how far a signed timestamp may be from now, as both Featurebase
// and Standard Webhooks advise.
const DefaultTolerance = 5 * time.Minute

// Option tunes verification.
type Option func(*verifier)

// WithTolerance sets how far a signed timestamp may be from now.
func WithTolerance(d time.Duration) Option { return func(v *verifier) { v.tolerance = d } }

// WithClock sets the clock timestamps are checked against, for tests.
func WithClock(now func() time.Time) Option { return func(v *verifier) { v.now = now } }

// WithSecrets adds secrets that verify too, beside the one given: during a rotation's
// grace period, a receiver that holds both the old and the new secret keeps verifying
// whichever feedwire signs with, and can drop the old one when the period ends.
func WithSecrets(more ...string) Option {
	return func(v *verifier) { v.secrets = append(v.secrets, more...) }
}

type verifier struct {
	tolerance time.Duration
	now       func() time.Time
	secrets   []string // besides the one given
}

func newVerifier(opts []Option) verifier {
	v := verifier{tolerance: DefaultTolerance, now: time.Now}
	for _, o := range opts {
		o(&v)
	}
	return v
}

// VerifyHarvestr checks a harvestr signature: the hex HMAC-SHA256 of the body, keyed
// with the secret as given. It covers no timestamp, so it cannot refuse a replay.
func VerifyHarvestr(secret string, body []byte, signature string) error {
	if signature == "" {
		return fmt.Errorf("%w: no %s header", ErrMissingSignature, HeaderHarvestrSignature)
	}
	if !hmac.Equal([]byte(strings.ToLower(signature)), []byte(SignHarvestr(secret, body))) {
		return fmt.Errorf("%w: %s", ErrInvalidSignature, HeaderHarvestrSignature)
	}
	return nil
}

// VerifyFeaturebase checks a featurebase signature: the hex HMAC-SHA256 of
// "<timestamp>.<body>" keyed with the whole secret string, and a timestamp within the
// tolerance of now.
func VerifyFeaturebase(secret string, body []byte, timestamp, signature string, opts ...Option) error {
	if signature == "" || timestamp == "" {
		return fmt.Errorf("%w: want %s and %s", ErrMissingSignature, HeaderFeaturebaseSignature, HeaderFeaturebaseTimestamp)
	}
	ts, err := newVerifier(opts).checkTimestamp(timestamp)
	if err != nil {
		return err
	}
	if !hmac.Equal([]byte(strings.ToLower(signature)), []byte(SignFeaturebase(secret, ts, body))) {
		return fmt.Errorf("%w: %s", ErrInvalidSignature, HeaderFeaturebaseSignature)
	}
	return nil
}

// VerifyStandard checks a Standard Webhooks signature header, which may list several
// space-separated signatures (during a secret rotation): any "v1," signature that
// matches passes. The secret is the webhook's, keyed as SignStandard keys it: a
// "whsec_" secret or a harvestr webhook's own text alike. The timestamp must be within
// the tolerance of now.
func VerifyStandard(secret string, body []byte, id, timestamp, signatures string, opts ...Option) error {
	if signatures == "" || timestamp == "" || id == "" {
		return fmt.Errorf("%w: want %s, %s and %s", ErrMissingSignature, HeaderWebhookID, HeaderWebhookTimestamp, HeaderWebhookSignature)
	}
	ts, err := newVerifier(opts).checkTimestamp(timestamp)
	if err != nil {
		return err
	}
	want, err := SignStandard(id, ts, body, secret)
	if err != nil {
		// A webhook without a secret sends no signature to match.
		return fmt.Errorf("%w: %s, but no secret to check it with", ErrInvalidSignature, HeaderWebhookSignature)
	}
	for _, sig := range strings.Fields(signatures) {
		if strings.HasPrefix(sig, "v1,") && hmac.Equal([]byte(sig), []byte(want)) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s", ErrInvalidSignature, HeaderWebhookSignature)
}

// Verify checks a feedwire delivery's signature against secret and any WithSecrets
// adds. secret is the webhook's, as the API shows it: "whsec_" and base64, or a harvestr
// webhook's own text.
//
// The Standard Webhooks signature (webhook-signature), when present, decides: it covers
// the delivery's id and timestamp as well as the body, and during a rotation's grace
// period it carries a signature for each secret, so a receiver on either one verifies.
// Without it, the vendor signature of the format does (X-Harvestr-Webhook-Signature or
// X-Webhook-Signature), which feedwire signs with the old secret until a rotation's
// grace period ends. The deliveries of a harvestr webhook without a secret carry
// neither, and do not verify.
func Verify(secret string, header http.Header, body []byte, opts ...Option) error {
	// The empty secret signs only the challenge of a webhook without one: a delivery
	// "signed" with it proves nothing, since anyone can compute that signature.
	var secrets []string
	for _, s := range append([]string{secret}, newVerifier(opts).secrets...) {
		if s != "" {
			secrets = append(secrets, s)
		}
	}
	check := func(verify func(secret string) error) error {
		err := fmt.Errorf("%w: no secret to check it with", ErrInvalidSignature)
		for _, s := range secrets {
			if err = verify(s); err == nil || !errors.Is(err, ErrInvalidSignature) {
				return err
			}
		}
		return err // ErrInvalidSignature with every secret
	}
	if sig := header.Get(HeaderWebhookSignature); sig != "" {
		return check(func(secret string) error {
			return VerifyStandard(secret, body, header.Get(HeaderWebhookID), header.Get(HeaderWebhookTimestamp), sig, opts...)
		})
	}
	if sig := header.Get(HeaderHarvestrSignature); sig != "" {
		return check(func(secret string) error { return VerifyHarvestr(secret, body, sig) })
	}
	if sig := header.Get(HeaderFeaturebaseSignature); sig != "" {
		return check(func(secret string) error {
			return VerifyFeaturebase(secret, body, header.Get(HeaderFeaturebaseTimestamp), sig, opts...)
		})
	}
	return fmt.Errorf("%w: no %s, %s or %s header", ErrMissingSignature, HeaderWebhookSignature,
		HeaderHarvestrSignature, HeaderFeaturebaseSignature)
}

// VerifyChallenge checks the harvestr challenge: a POST of {"challenge":"<uuid>"},
// signed in X-Harvestr-Signature with the webhook's secret, or with the empty key when
// the webhook has none (pass "" as secret, or in WithSecrets, to accept that).
func VerifyChallenge(secret string, header http.Header, body []byte, opts ...Option) error {
	sig := header.Get(HeaderHarvestrChallengeSignature)
	if sig == "" {
		return fmt.Errorf("%w: no %s header", ErrMissingSignature, HeaderHarvestrChallengeSignature)
	}
	for _, s := range append([]string{secret}, newVerifier(opts).secrets...) {
		if hmac.Equal([]byte(strings.ToLower(sig)), []byte(SignHarvestr(s, body))) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s", ErrInvalidSignature, HeaderHarvestrChallengeSignature)
}

// checkTimestamp parses Unix seconds and checks them against the tolerance.
func (v verifier) checkTimestamp(timestamp string) (int64, error) {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", ErrInvalidTimestamp, timestamp)
	}
	if d := v.now().Sub(time.Unix(ts, 0)); d > v.tolerance || d < -v.tolerance {
		return 0, fmt.Errorf("%w: %s is %v from now, more than %v", ErrTimestampOutOfRange, timestamp, d.Round(time.Second), v.tolerance)
	}
	return ts, nil
}
