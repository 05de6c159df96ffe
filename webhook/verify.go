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

type verifier struct {
	tolerance time.Duration
	now       func() time.Time
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

// Verify checks every signature a feedwire delivery carries in header: the vendor one
// of its format (harvestr or featurebase) and the Standard Webhooks one. All that are
// present must pass, and at least one must be present, so the deliveries of a harvestr
// webhook without a secret, which carry none, do not verify. secret is the webhook's,
// as the API shows it: "whsec_" and base64, or a harvestr webhook's own text.
func Verify(secret string, header http.Header, body []byte, opts ...Option) error {
	checked := 0
	if sig := header.Get(HeaderHarvestrSignature); sig != "" {
		if err := VerifyHarvestr(secret, body, sig); err != nil {
			return err
		}
		checked++
	}
	if sig := header.Get(HeaderFeaturebaseSignature); sig != "" {
		if err := VerifyFeaturebase(secret, body, header.Get(HeaderFeaturebaseTimestamp), sig, opts...); err != nil {
			return err
		}
		checked++
	}
	if sig := header.Get(HeaderWebhookSignature); sig != "" {
		err := VerifyStandard(secret, body, header.Get(HeaderWebhookID), header.Get(HeaderWebhookTimestamp), sig, opts...)
		if err != nil {
			return err
		}
		checked++
	}
	if checked == 0 {
		return fmt.Errorf("%w: no %s, %s or %s header", ErrMissingSignature, HeaderHarvestrSignature,
			HeaderFeaturebaseSignature, HeaderWebhookSignature)
	}
	return nil
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
