package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/feedwire/feedwire"
)

// TestWebhooksCreateSecret passes --secret through webhooks create: a text or none for
// a harvestr webhook, and refuses none for a featurebase one.
func TestWebhooksCreateSecret(t *testing.T) {
	s := startServer(t, "--allow-private-networks")
	key := s.createKey(t, "acme")
	rcv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})) // answers the challenge
	t.Cleanup(rcv.Close)
	create := func(format, topic, secret string) (map[string]any, error) {
		t.Helper()
		stdout, _, err := s.cli(t, key, "webhooks", "create", "--name", "x", "--url", rcv.URL, "--format", format,
			"--topics", topic, "--secret", secret, "--output", "json")
		if err != nil {
			return nil, err
		}
		var w map[string]any
		if err := json.Unmarshal([]byte(stdout), &w); err != nil {
			t.Fatalf("decode %s: %v", stdout, err)
		}
		return w, nil
	}
	for _, secret := range []string{"my shared token 42", ""} {
		w, err := create("harvestr", "MESSAGE_CREATED", secret)
		if err != nil || w["secret"] != secret {
			t.Errorf("harvestr --secret %q: got secret %v (%v), want it as given", secret, w["secret"], err)
		}
	}
	_, err := create("featurebase", "post.created", "")
	var fe *feedwire.Error
	if !errors.As(err, &fe) || !errors.Is(err, feedwire.ErrInvalid) || len(fe.Problems) != 1 || fe.Problems[0].Field != "secret" {
		t.Errorf(`featurebase --secret "": %v, want ErrInvalid on secret`, err)
	}
}
