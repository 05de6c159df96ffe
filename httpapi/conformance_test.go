package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/feedwire/feedwire/internal/conformance"
)

// newConformance returns a checker of the answers of h against the OpenAPI document h
// serves.
func newConformance(t *testing.T, h http.Handler) *conformance.Checker {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	c, err := conformance.New(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return c
}
