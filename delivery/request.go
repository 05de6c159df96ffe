package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
	"github.com/feedwire/feedwire/wire"
)

// The User-Agent of the requests feedwire sends: its own, but to a harvestr webhook,
// where it sends what Harvestr sends, the challenge included (research/vendors.md §1.2).
const (
	UserAgent         = "feedwire-webhooks/1.0"
	HarvestrUserAgent = "harvestr-webhook/1.0.0"
)

// userAgent returns the User-Agent of the requests to a webhook of format f.
func userAgent(f feedwire.Format) string {
	if f == feedwire.FormatHarvestr {
		return HarvestrUserAgent
	}
	return UserAgent
}

// errRender means a delivery's body could not be built: a template that fails on the
// event. Retries still follow the schedule, since the webhook's template may be mended
// meanwhile.
var errRender = errors.New("render the body")

// newRequest builds the request of one attempt at time now: the body in the webhook's
// format, rendered by bodies, its custom headers, the format's own signature headers,
// and the Standard Webhooks headers. Timestamps and signatures are fresh on each
// attempt; the body, and with it the envelope id, is the same every time.
func newRequest(ctx context.Context, bodies *wire.Renderer, c *feedwire.Claim, now time.Time) (*http.Request, []byte, error) {
	w := c.Webhook
	body, contentType, err := bodies.Body(c.Delivery.ID, w, &c.Event)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errRender, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("build request: %w", err)
	}
	if err := sign(req.Header, w, c.Delivery.ID, body, now); err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", contentType)
	return req, body, nil
}

// sign sets every header of a delivery of body to w. A harvestr webhook without a
// secret gets no signature headers, but still the ids and the timestamp.
func sign(h http.Header, w *feedwire.Webhook, envelopeID string, body []byte, now time.Time) error {
	for name, value := range w.Headers {
		h.Set(name, value) // validation keeps these off the headers set below
	}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", userAgent(w.Format))
	if !w.Format.Vendor() {
		signStandard(h, envelopeID, body, now, w.Secrets(now))
		return nil
	}
	if err := webhook.SignHeaders(h, string(w.Format), w.ID, envelopeID, body, now, w.Secrets(now)...); err != nil {
		return fmt.Errorf("sign for webhook %s: %w", w.ID, err)
	}
	return nil
}
