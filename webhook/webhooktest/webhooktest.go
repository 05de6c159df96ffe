// Package webhooktest signs requests as feedwire does, for the tests of a receiver:
// build a delivery with NewRequest and send it to the handler under test.
package webhooktest

import (
	"bytes"
	"crypto/rand"
	"net/http"
	"time"

	"github.com/feedwire/feedwire/webhook"
)

// WebhookID is the webhook id NewRequest puts in the harvestr X-Harvestr-Webhook-Id.
const WebhookID = "65a1f0c2e4b3d5a6c7e8f902"

// NewRequest returns a POST of body to target, with the headers feedwire sends: the
// content type, the signature of the body's format and the Standard Webhooks
// signature, all signed with secret at time now.
func NewRequest(secret, target string, body []byte, now time.Time) (*http.Request, error) {
	env, err := webhook.ReadEnvelope(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if env.ID == "" {
		// An operational body carries no id; its delivery's id is the webhook-id header's.
		env.ID = "msg_" + rand.Text()
	}
	if err := webhook.SignHeaders(req.Header, env.Format, WebhookID, env.ID, body, now, secret); err != nil {
		return nil, err
	}
	return req, nil
}
