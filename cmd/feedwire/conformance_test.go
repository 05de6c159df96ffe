package main

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"sync"
	"testing"

	"github.com/feedwire/feedwire/internal/conformance"
)

// TestMain has every answer to /v1 that the tests get, through their requests or
// through the CLI's, checked against the OpenAPI document of the server that gave it:
// the tests and the CLI send with http.DefaultTransport, which is made to check.
func TestMain(m *testing.M) {
	http.DefaultTransport = checkingTransport{next: http.DefaultTransport}
	os.Exit(m.Run())
}

// checkers holds the checker of each server a test waits on, by host.
var checkers sync.Map // host → *conformance.Checker

type checkingTransport struct{ next http.RoundTripper }

func (c checkingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if checker, ok := checkers.Load(r.URL.Host); ok {
		return checker.(*conformance.Checker).Transport(c.next).RoundTrip(r)
	}
	return c.next.RoundTrip(r)
}

// checkAnswers checks the answers of the server at serverURL against its OpenAPI
// document until t ends, and then fails t with each answer that broke it. A server
// without the API (FEEDWIRE_ROLE=worker) has nothing to check.
func checkAnswers(t *testing.T, serverURL string) {
	t.Helper()
	resp, err := http.Get(serverURL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return // a node that runs only workers serves no API, and so no document
	}
	document, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	checker, err := conformance.New(document)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	checkers.Store(u.Host, checker)
	t.Cleanup(func() {
		checkers.CompareAndDelete(u.Host, checker)
		checker.Report(t)
	})
}
