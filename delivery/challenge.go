package delivery

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// challengeTimeout is how long a harvestr endpoint has to answer the challenge.
const challengeTimeout = 5 * time.Second

// Challenge runs the harvestr handshake against url: it POSTs {"challenge":"<uuid>"}
// with Harvestr's User-Agent, signed in X-Harvestr-Signature with the secret (with the
// empty key when the webhook has none, as Harvestr does), and wants a 200 to 208 answer
// within five seconds, without redirects. Anything else is an ErrInvalid error on the
// url field that says what the endpoint did. When ctx carries a span, the challenge
// is its child span.
func Challenge(ctx context.Context, client *http.Client, url, secret string) (err error) {
	body := []byte(`{"challenge":"` + newUUID() + `"}`)
	ctx, cancel := context.WithTimeout(ctx, challengeTimeout)
	defer cancel()
	ctx, span := startSpan(ctx, trace.SpanFromContext(ctx).TracerProvider().Tracer(tracerName), "harvestr challenge", url)
	defer func() {
		if err != nil {
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return feedwire.Invalid("url", "cannot be requested: "+bound(err.Error()))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", HarvestrUserAgent)
	req.Header.Set(webhook.HeaderHarvestrChallengeSignature, webhook.SignHarvestr(secret, body))
	resp, err := client.Do(req)
	if err != nil {
		return feedwire.Invalid("url", challengeFailure(err))
	}
	defer resp.Body.Close()
	span.SetAttributes(semconv.HTTPResponseStatusCode(resp.StatusCode))
	io.CopyN(io.Discard, resp.Body, maxDrain) // the status is the answer; the body is not kept
	if resp.StatusCode < 200 || resp.StatusCode > 208 {
		return feedwire.Invalid("url", fmt.Sprintf("the endpoint answered the harvestr challenge with %s; it must answer 200 to 208 within 5s, without redirecting", bound(resp.Status)))
	}
	return nil
}

// challengeFailure says why the challenge got no answer, in the words describe allows.
func challengeFailure(err error) string {
	switch class, message := describe(err); class {
	case feedwire.ErrorBlocked:
		return "the harvestr challenge was blocked: " + message
	case feedwire.ErrorTimeout:
		return "the endpoint did not answer the harvestr challenge within 5s"
	default:
		return fmt.Sprintf("the harvestr challenge failed (%s): %s", class, message)
	}
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
