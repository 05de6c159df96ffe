package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

const controlsSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// TestRequestOfEachFormat checks the body and headers newRequest builds for the formats
// that are no vendor's: the format's body and content type, the Standard Webhooks
// headers that the official library verifies, and no vendor signature.
func TestRequestOfEachFormat(t *testing.T) {
	tests := []struct {
		format      feedwire.Format
		eventType   feedwire.EventType
		template    *feedwire.WebhookTemplate
		contentType string
	}{
		{feedwire.FormatSlack, "conversation.user.replied", nil, "application/json"},
		{feedwire.FormatDiscord, "conversation.user.replied", nil, "application/json"},
		{feedwire.FormatTeams, "conversation.user.replied", nil, "application/json"},
		{feedwire.FormatTemplate, "conversation.user.replied", &feedwire.WebhookTemplate{Body: "{{.Summary.Title}} {{.Summary.URL}}", ContentType: "text/plain; charset=utf-8"}, "text/plain; charset=utf-8"},
		{feedwire.FormatOperational, feedwire.EventWebhookSuspended, nil, "application/json"},
	}
	var bodies wire.Renderer
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			ev, err := wire.ExampleEvent(tt.eventType)
			if err != nil {
				t.Fatal(err)
			}
			w := &feedwire.Webhook{ID: "w1", URL: "https://example.com/in", Format: tt.format, Template: tt.template,
				Secret: controlsSecret, Headers: map[string]string{"X-Team": "support"}}
			c := &feedwire.Claim{Delivery: feedwire.Delivery{ID: "notif_01946c3a-8f00-7009-8a4b-2f6e9c1d3b7a"}, Webhook: w, Event: *ev}
			req, body, err := newRequest(context.Background(), &bodies, c, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			sent, _ := io.ReadAll(req.Body)
			if string(sent) != string(body) {
				t.Error("the request sends another body than the one recorded")
			}
			if got := req.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type %q, want %q", got, tt.contentType)
			}
			if tt.template == nil && !json.Valid(body) {
				t.Errorf("a body that is not JSON: %s", body)
			}
			wh, err := standardwebhooks.NewWebhook(controlsSecret)
			if err != nil {
				t.Fatal(err)
			}
			if err := wh.Verify(body, req.Header); err != nil {
				t.Errorf("Standard Webhooks verification: %v", err)
			}
			if req.Header.Get("webhook-id") != c.Delivery.ID || req.Header.Get("X-Team") != "support" || req.Header.Get("User-Agent") != UserAgent {
				t.Errorf("headers %v", req.Header)
			}
			for _, vendor := range []string{"X-Harvestr-Webhook-Id", "X-Harvestr-Webhook-Signature", "X-Webhook-Signature", "X-Webhook-Timestamp"} {
				if req.Header.Get(vendor) != "" {
					t.Errorf("a %s delivery carries %s", tt.format, vendor)
				}
			}
		})
	}
}

func TestCheckControlsLocatesFilterProblems(t *testing.T) {
	w := &feedwire.Webhook{Format: feedwire.FormatSlack, Topics: []feedwire.EventType{"post.created"},
		Filter: json.RawMessage(`{"$or": [{"topic": "post.created"}, {"data.votes": {"$gt": true}}]}`)}
	var fe *feedwire.Error
	if err := checkControls(w); !errors.As(err, &fe) || len(fe.Problems) != 1 || fe.Problems[0].Field != "filter.$or[1].data.votes.$gt" {
		t.Errorf("got %v, want a problem on filter.$or[1].data.votes.$gt", err)
	}
}
