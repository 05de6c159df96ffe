package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/client"
)

// TestErrorsAreDomainErrors turns each problem answer into its domain error.
func TestErrorsAreDomainErrors(t *testing.T) {
	answers := map[string]struct {
		status int
		body   string
		want   error
	}{
		"/invalid":  {422, `{"title":"Unprocessable Entity","status":422,"detail":"the request is invalid","errors":[{"message":"is required","location":"body.name"}]}`, feedwire.ErrInvalid},
		"/missing":  {404, `{"title":"Not Found","status":404,"detail":"no webhook with id \"x\""}`, feedwire.ErrNotFound},
		"/conflict": {409, `{"title":"Conflict","status":409,"detail":"already closed"}`, feedwire.ErrConflict},
		"/key":      {401, `{"title":"Unauthorized","status":401,"detail":"unknown API key"}`, feedwire.ErrUnauthorized},
	}
	var gotKey string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotKey = r.Header.Get("Authorization")
		a := answers[r.URL.Path]
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(a.status)
		w.Write([]byte(a.body))
	}))
	defer srv.Close()
	c := client.New(srv.URL+"/", "fw_key")
	for path, a := range answers {
		err := c.Do(context.Background(), "GET", path, nil, nil)
		if !errors.Is(err, a.want) {
			t.Errorf("%s: %v, want %v", path, err, a.want)
		}
	}
	err := c.Do(context.Background(), "GET", "/invalid", nil, nil)
	var fe *feedwire.Error
	if !errors.As(err, &fe) || len(fe.Problems) != 1 || fe.Problems[0].Field != "name" || fe.Message != "the request is invalid" {
		t.Errorf("invalid: %#v", err)
	}
	if gotKey != "Bearer fw_key" {
		t.Errorf("Authorization %q", gotKey)
	}
}
