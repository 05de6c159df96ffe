package conformance

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// document declares one operation: 200 with a thing, or 404 with a problem.
const document = `{
  "openapi": "3.1.0",
  "info": {"title": "t", "version": "1"},
  "paths": {"/v1/things/{id}": {"get": {
    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
    "responses": {
      "200": {"description": "a thing", "content": {"application/json": {"schema": {
        "type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}}}},
      "404": {"description": "none", "content": {"application/problem+json": {"schema": {
        "type": "object", "required": ["status"], "properties": {"status": {"type": "integer"}}}}}}
    }}}}
}`

func TestCheckerFindsWhatBreaksTheDocument(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		wantBroken  bool
	}{
		{"a declared success", 200, "application/json", `{"id":"a"}`, false},
		{"a declared problem", 404, "application/problem+json", `{"status":404}`, false},
		{"a success of another shape", 200, "application/json", `{"id":5}`, true},
		{"a problem of another shape", 404, "application/problem+json", `{"status":"gone"}`, true},
		{"an undeclared status", 409, "application/problem+json", `{"status":409}`, true},
		{"an undeclared content type", 404, "text/plain", `gone`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			})
			for side, client := range map[string]func(*Checker) *http.Client{
				"server": func(c *Checker) *http.Client {
					srv := httptest.NewServer(c.Handler(h))
					t.Cleanup(srv.Close)
					return &http.Client{Transport: rewrite(srv.URL, http.DefaultTransport)}
				},
				"client": func(c *Checker) *http.Client {
					srv := httptest.NewServer(h)
					t.Cleanup(srv.Close)
					return &http.Client{Transport: c.Transport(rewrite(srv.URL, nil))}
				},
			} {
				c, err := New([]byte(document))
				if err != nil {
					t.Fatal(err)
				}
				resp, err := client(c).Get("http://api.test/v1/things/a")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if got := len(c.Violations()) > 0; got != tt.wantBroken || c.Checked() != 1 {
					t.Errorf("%s side: got violations %q after %d checks, want broken %v after 1", side, c.Violations(), c.Checked(), tt.wantBroken)
				}
			}
		})
	}
}

// rewrite sends every request to the server at url.
func rewrite(url string, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.URL.Host = strings.TrimPrefix(url, "http://")
		return next.RoundTrip(r)
	})
}

func TestNewRefusesAnInvalidDocument(t *testing.T) {
	if _, err := New([]byte(`{"openapi": "3.1.0", "paths": 5}`)); err == nil {
		t.Error("got no error for an invalid document")
	}
}
