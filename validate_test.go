package feedwire_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/feedwire/feedwire"
)

// TestWebhookURL checks the URLs a webhook may deliver to: absolute http or https,
// without credentials, spaces or control characters.
func TestWebhookURL(t *testing.T) {
	tests := []struct {
		url         string
		wantMessage string // "" when valid
	}{
		{"https://example.com/hooks/feedwire?team=1", ""},
		{"http://127.0.0.1:8080/hook", ""},
		{"ftp://example.com/hook", "absolute http or https URL"},
		{"javascript:alert(1)", "absolute http or https URL"},
		{"file:///etc/passwd", "absolute http or https URL"},
		{"//example.com/hook", "absolute http or https URL"},
		{"https:///hook", "absolute http or https URL"},
		{"https://example.com/" + strings.Repeat("a", 2048), "absolute http or https URL"},
		{"https://user:pass@example.com/hook", "user name or password"},
		{"https://user@example.com/hook", "user name or password"},
		{"https://example.com/a b", "spaces or control characters"},
		{"https://example.com/\r\nX-Injected: 1", "spaces or control characters"},
		{"https://example.com/\x00", "spaces or control characters"},
		{"https://example.com/\x7f", "spaces or control characters"},
	}
	for _, tt := range tests {
		w := feedwire.WebhookInput{Name: "w", URL: tt.url, Format: feedwire.FormatFeaturebase, Topics: []feedwire.EventType{"post.created"}}.
			Webhook(func() string { return "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" })
		err := w.Validate()
		var fe *feedwire.Error
		switch {
		case tt.wantMessage == "" && err != nil:
			t.Errorf("%.60q: got %v, want it valid", tt.url, err)
		case tt.wantMessage == "":
		case !errors.As(err, &fe) || len(fe.Problems) != 1 || fe.Problems[0].Field != "url" || !strings.Contains(fe.Problems[0].Message, tt.wantMessage):
			t.Errorf("%.60q: got %v, want a problem with url: %s", tt.url, err, tt.wantMessage)
		}
	}
}
