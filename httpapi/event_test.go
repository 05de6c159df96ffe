package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// envelopes are the members of each format's envelope, in the order the formats write
// them, with an event type of each that has all of them.
var envelopes = []struct {
	eventType string
	members   []string
}{
	{"FEEDBACK_UPDATED", []string{"id", "event", "data", "changes"}},
	{"conversation.admin.closed", []string{"object", "id", "topic", "organizationId", "webhookId",
		"createdAt", "deliveryStatus", "conversationId", "conversationUrl", "data"}},
}

// TestWebhookExamplesKeepEnvelopeOrder checks that the examples of the OpenAPI
// document's webhooks and of GET /v1/event-types write the envelope's members in the
// format's order, as deliveries do, not sorted.
func TestWebhookExamplesKeepEnvelopeOrder(t *testing.T) {
	a := setup(t)
	var doc struct {
		Webhooks map[string]struct {
			Post struct {
				RequestBody struct {
					Content map[string]struct {
						Example json.RawMessage `json:"example"`
					} `json:"content"`
				} `json:"requestBody"`
			} `json:"post"`
		} `json:"webhooks"`
	}
	decodeRaw(t, a.getRaw("/openapi.json"), &doc)
	var list struct {
		Data []struct {
			Name    string          `json:"name"`
			Example json.RawMessage `json:"example"`
		} `json:"data"`
	}
	decodeRaw(t, a.getRaw("/v1/event-types"), &list)
	listed := map[string]json.RawMessage{}
	for _, et := range list.Data {
		listed[et.Name] = et.Example
	}
	for _, e := range envelopes {
		t.Run(e.eventType, func(t *testing.T) {
			inOrder(t, "/openapi.json", doc.Webhooks[e.eventType].Post.RequestBody.Content["application/json"].Example, e.members)
			inOrder(t, "/v1/event-types", listed[e.eventType], e.members)
		})
	}
}

// inOrder checks that each member's name first appears in raw after the one before.
// The envelope's members come before data's, so the first appearance is the envelope's.
func inOrder(t *testing.T, where string, raw []byte, members []string) {
	t.Helper()
	last, previous := -1, "the start"
	for _, m := range members {
		i := strings.Index(string(raw), `"`+m+`":`)
		if i <= last {
			t.Errorf("%s: got %q at byte %d, want it after %s at byte %d in %s", where, m, i, previous, last, raw)
			return
		}
		last, previous = i, `"`+m+`"`
	}
}

// getRaw returns the body of a GET with the workspace's key, as the server wrote it.
func (a *api) getRaw(path string) []byte {
	a.t.Helper()
	req, err := http.NewRequest("GET", a.url+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		a.t.Fatalf("GET %s: got %d (%v), want 200", path, resp.StatusCode, err)
	}
	return b
}

func decodeRaw(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %.200s: %v", b, err)
	}
}
