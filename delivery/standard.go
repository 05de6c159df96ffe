package delivery

import (
	"net/http"
	"strconv"
	"time"

	"github.com/feedwire/feedwire/webhook"
)

// signStandard sets the Standard Webhooks headers alone, for the formats that are no
// vendor's (slack, discord, teams, template): webhook-id, webhook-timestamp, and
// webhook-signature with a signature for each non-empty secret. A chat tool ignores
// them; a receiver behind a template webhook verifies them with any Standard Webhooks
// library.
func signStandard(h http.Header, envelopeID string, body []byte, now time.Time, secrets []string) {
	ts := now.Unix()
	h.Set(webhook.HeaderWebhookID, envelopeID)
	h.Set(webhook.HeaderWebhookTimestamp, strconv.FormatInt(ts, 10))
	// SignStandard fails only with ErrNoSecret: no secret, no signature.
	if signature, err := webhook.SignStandard(envelopeID, ts, body, secrets...); err == nil {
		h.Set(webhook.HeaderWebhookSignature, signature)
	}
}
