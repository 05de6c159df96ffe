// Package conformance checks that the answers of feedwire's API are what its own OpenAPI
// document says, with a validator nobody here wrote (libopenapi-validator): every status,
// header and body of every answer to /v1 that a test sees. The httpapi tests check on
// the server's side (Handler), the end-to-end tests of cmd/feedwire on the client's
// (Transport). It is for tests only.
package conformance

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
)

// Checker checks answers against one OpenAPI document and keeps the violations.
type Checker struct {
	v          validator.Validator
	mu         sync.Mutex
	violations map[string]int // "METHOD route status: message" → how often
	checked    int
}

// New returns a Checker of document, which must be a valid OpenAPI 3.1 document.
func New(document []byte) (*Checker, error) {
	v, err := validatorOf(string(document))
	if err != nil {
		return nil, err
	}
	return &Checker{v: v, violations: map[string]int{}}, nil
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

// Check checks one answer to a request to /v1; others are not the API's operations. The
// bodies are given apart, since reading them is the caller's business.
func (c *Checker) Check(req *http.Request, status int, header http.Header, body []byte) {
	if !strings.HasPrefix(req.URL.Path, "/v1/") || isStream(header) {
		return
	}
	resp := &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)), Request: req,
		ContentLength: int64(len(body))}
	_, errs := c.v.ValidateHttpResponse(req, resp)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checked++
	for _, e := range errs {
		msg := e.Message
		for _, se := range e.SchemaValidationErrors {
			msg += "; " + se.FieldPath + ": " + se.Reason
		}
		c.violations[fmt.Sprintf("%s %s %d: %s", req.Method, routeOf(req.URL.Path), status, msg)]++
	}
}

// isStream reports an answer that goes on for as long as the client listens (server-sent
// events): it is passed on as it comes, and not checked.
func isStream(header http.Header) bool {
	return strings.HasPrefix(header.Get("Content-Type"), "text/event-stream")
}

// Handler serves with h and checks each answer to /v1 as it passes on.
func (c *Checker) Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := r.Clone(r.Context())
		if r.Body != nil {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			req.Body = io.NopCloser(bytes.NewReader(body))
		}
		tee := &tee{ResponseWriter: w}
		h.ServeHTTP(tee, r)
		if tee.status == 0 {
			tee.status = http.StatusOK
		}
		c.Check(req, tee.status, w.Header(), tee.body.Bytes())
	})
}

// tee passes an answer on and keeps its status and a copy of its body.
type tee struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (t *tee) WriteHeader(status int) {
	if t.status == 0 {
		t.status = status
	}
	t.ResponseWriter.WriteHeader(status)
}

func (t *tee) Write(b []byte) (int, error) {
	if t.status == 0 {
		t.status = http.StatusOK
	}
	if !isStream(t.Header()) {
		t.body.Write(b)
	}
	return t.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection, for flushes and deadlines.
func (t *tee) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// Flush keeps http.Flusher working through the tee.
func (t *tee) Flush() { http.NewResponseController(t.ResponseWriter).Flush() }

// Transport sends with next (http.DefaultTransport when nil) and checks each answer to
// /v1 before the caller reads it.
func (c *Checker) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		req := r.Clone(r.Context())
		req.Body = http.NoBody // the validator reads only the answer
		resp, err := next.RoundTrip(r)
		if err != nil || !strings.HasPrefix(r.URL.Path, "/v1/") || isStream(resp.Header) {
			return resp, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		c.Check(req, resp.StatusCode, resp.Header, body)
		return resp, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

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

// Checked is how many answers were checked.
func (c *Checker) Checked() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.checked
}

// Violations are the answers that broke the document, one line per kind, with how
// often, sorted.
func (c *Checker) Violations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	lines := make([]string, 0, len(c.violations))
	for k, n := range c.violations {
		lines = append(lines, fmt.Sprintf("(%d times) %s", n, k))
	}
	sort.Strings(lines)
	return lines
}

// Report fails t with each violation.
func (c *Checker) Report(t testing.TB) {
	t.Helper()
	for _, v := range c.Violations() {
		t.Errorf("an answer does not conform to /openapi.json %s", v)
	}
}
