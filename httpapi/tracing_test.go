package httpapi_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/feedwire/feedwire/delivery"
	"github.com/feedwire/feedwire/httpapi"
	"github.com/feedwire/feedwire/internal/testpg"
	"github.com/feedwire/feedwire/store"
	"github.com/feedwire/feedwire/wire"
)

// tracedServer serves the API on a new database with each span sent to the channel it
// returns when it ends; /healthz answers 200 while *unhealthy is nil.
func tracedServer(t *testing.T, unhealthy *error) (*httptest.Server, string, <-chan sdktrace.ReadOnlySpan) {
	t.Helper()
	ctx := context.Background()
	dsn, secretKey := testpg.NewDatabase(t)
	s, err := store.Open(ctx, dsn, store.Options{SecretKey: secretKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	_, key, err := s.CreateAPIKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := wire.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	ended := make(spanChannel, 10)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := httpapi.NewServer(logger, httpapi.Services{
		Workspaces: s, Users: s, Messages: s, DiscoveryStates: s, Discoveries: s,
		Components: s, Feedback: s, Events: s, Webhooks: delivery.NewWebhookService(s, delivery.NewClient(true, 4)),
		Deliveries: s, Jobs: delivery.NewJobs(s, logger), Boards: s, Posts: s, Comments: s, Changelogs: s, Conversations: s,
		Ping:           func(context.Context) error { return *unhealthy },
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(ended)),
	}, catalog)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, key.Secret, ended
}

// spanChannel is a span processor that sends each span to the channel when it ends:
// a request's span ends just after its answer is sent, and the test waits for it.
type spanChannel chan sdktrace.ReadOnlySpan

func (c spanChannel) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (c spanChannel) OnEnd(s sdktrace.ReadOnlySpan)                   { c <- s }
func (c spanChannel) Shutdown(context.Context) error                  { return nil }
func (c spanChannel) ForceFlush(context.Context) error                { return nil }

// TestRequestSpans: each request gives one server span named for its method and route,
// with the route, status, path and request id; a 5xx is an error; a caller's
// traceparent makes the span its child.
func TestRequestSpans(t *testing.T) {
	var unhealthy error
	srv, key, ended := tracedServer(t, &unhealthy)
	const (
		callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
		callerSpan  = "00f067aa0ba902b7"
	)
	for i, tc := range []struct {
		name, method, path, traceparent string
		unhealthy                       error
		wantName, wantRoute             string
		wantStatus                      int
		wantError                       bool
	}{
		{name: "a route with a path parameter", method: "GET", path: "/v1/webhooks/wh_none",
			wantName: "GET /v1/webhooks/{id}", wantRoute: "/v1/webhooks/{id}", wantStatus: 404},
		{name: "the caller's trace continues", method: "GET", path: "/v1/webhooks",
			traceparent: "00-" + callerTrace + "-" + callerSpan + "-01",
			wantName:    "GET /v1/webhooks", wantRoute: "/v1/webhooks", wantStatus: 200},
		{name: "a 5xx is an error", method: "GET", path: "/healthz", unhealthy: errors.New("the database is gone"),
			wantName: "GET /healthz", wantRoute: "/healthz", wantStatus: 503, wantError: true},
		{name: "no route", method: "GET", path: "/nowhere", wantName: "GET", wantStatus: 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			unhealthy = tc.unhealthy
			requestID := "req-" + strconv.Itoa(i)
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("X-Request-Id", requestID)
			if tc.traceparent != "" {
				req.Header.Set("Traceparent", tc.traceparent)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("got status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			var span sdktrace.ReadOnlySpan
			select {
			case span = <-ended:
			case <-time.After(5 * time.Second):
				t.Fatal("no span ended within 5s of the answer")
			}
			select {
			case extra := <-ended:
				t.Errorf("got a second span %q, want one", extra.Name())
			default:
			}
			if span.Name() != tc.wantName || span.SpanKind() != trace.SpanKindServer {
				t.Errorf("got span %q of kind %v, want %q of kind server", span.Name(), span.SpanKind(), tc.wantName)
			}
			want := map[attribute.Key]attribute.Value{
				"http.request.method":       attribute.StringValue(tc.method),
				"http.response.status_code": attribute.IntValue(tc.wantStatus),
				"url.path":                  attribute.StringValue(tc.path),
				"feedwire.request_id":       attribute.StringValue(requestID),
			}
			if tc.wantRoute != "" {
				want["http.route"] = attribute.StringValue(tc.wantRoute)
			}
			checkAttributes(t, span.Attributes(), want)
			if _, ok := attributeMap(span.Attributes())["http.route"]; tc.wantRoute == "" && ok {
				t.Errorf("a request no route serves has an http.route")
			}
			if got := span.Status().Code == codes.Error; got != tc.wantError {
				t.Errorf("got status %v, want an error: %v", span.Status(), tc.wantError)
			}
			parent := span.Parent()
			if tc.traceparent != "" {
				if parent.TraceID().String() != callerTrace || parent.SpanID().String() != callerSpan || !parent.IsRemote() {
					t.Errorf("got parent %v, want the caller's span %s in trace %s", parent, callerSpan, callerTrace)
				}
				if span.SpanContext().TraceID().String() != callerTrace {
					t.Errorf("got trace %s, want the caller's %s", span.SpanContext().TraceID(), callerTrace)
				}
			} else if parent.IsValid() {
				t.Errorf("got parent %v, want none", parent)
			}
		})
	}
}

func attributeMap(attrs []attribute.KeyValue) map[attribute.Key]attribute.Value {
	m := make(map[attribute.Key]attribute.Value, len(attrs))
	for _, a := range attrs {
		m[a.Key] = a.Value
	}
	return m
}

func checkAttributes(t *testing.T, attrs []attribute.KeyValue, want map[attribute.Key]attribute.Value) {
	t.Helper()
	got := attributeMap(attrs)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("got %s %s, want %s", k, got[k].String(), v.String())
		}
	}
}
