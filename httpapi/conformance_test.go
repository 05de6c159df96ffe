package httpapi_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
)

// conformance checks every answer the API gives in the tests against its own
// /openapi.json, with a validator nobody here wrote (libopenapi-validator).
type conformance struct {
	v          validator.Validator
	mu         sync.Mutex
	violations map[string]int // "METHOD path status: message" → how often
	checked    int
}

func newConformance(t *testing.T, h http.Handler) *conformance {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	v, err := validatorOf(rec.Body.String())
	if err != nil {
		t.Fatal(err)
	}
	return &conformance{v: v, violations: map[string]int{}}
}

// validators holds a validator per OpenAPI document: every test server serves the same
// one, and compiling its schemas is most of a validator's cost.
var validators = struct {
	sync.Mutex
	byDocument map[string]validator.Validator
}{byDocument: map[string]validator.Validator{}}

func validatorOf(document string) (validator.Validator, error) {
	validators.Lock()
	defer validators.Unlock()
	if v, ok := validators.byDocument[document]; ok {
		return v, nil
	}
	doc, err := libopenapi.NewDocument([]byte(document))
	if err != nil {
		return nil, fmt.Errorf("read /openapi.json: %w", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		return nil, fmt.Errorf("a validator of /openapi.json: %v", errs)
	}
	if ok, problems := v.ValidateDocument(); !ok {
		var b strings.Builder
		for _, p := range problems {
			fmt.Fprintf(&b, "\n  %s", p.Message)
			for _, se := range p.SchemaValidationErrors {
				fmt.Fprintf(&b, "\n    %s: %s", se.FieldPath, se.Reason)
			}
		}
		return nil, fmt.Errorf("/openapi.json is not a valid OpenAPI 3.1 document:%s", b.String())
	}
	validators.byDocument[document] = v
	return v, nil
}

// wrap serves with h and checks each answer.
func (c *conformance) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") == "text/event-stream" {
			// A stream is not an answer to buffer; listen_test.go checks its messages.
			h.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		if !strings.HasPrefix(r.URL.Path, "/v1/") {
			return
		}
		req := r.Clone(r.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
		resp := rec.Result()
		resp.Request = req
		_, errs := c.v.ValidateHttpResponse(req, resp)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.checked++
		for _, e := range errs {
			msg := e.Message
			for _, se := range e.SchemaValidationErrors {
				msg += "; " + se.FieldPath + ": " + se.Reason
			}
			c.violations[fmt.Sprintf("%s %s %d: %s", r.Method, routeOf(r.URL.Path), rec.Code, msg)]++
		}
	})
}

// routeOf blurs ids in a path, so that one violation of a route is counted once.
func routeOf(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if len(p) >= 20 {
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}

func (c *conformance) report(t *testing.T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]string, 0, len(c.violations))
	for k := range c.violations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Errorf("an answer does not conform to /openapi.json (%d times): %s", c.violations[k], k)
	}
}
