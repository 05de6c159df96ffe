package main

import (
	"context"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// collector is an OTLP/HTTP endpoint that keeps the spans it is sent.
type collector struct {
	*httptest.Server
	mu    sync.Mutex
	spans []exported
}

// exported is a span as the collector got it, with its service's name.
type exported struct {
	service string
	span    *tracepb.Span
}

func startCollector(t *testing.T) *collector {
	t.Helper()
	c := &collector{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" || proto.Unmarshal(body, &req) != nil {
			t.Errorf("the collector got %s %s of %s, want an OTLP/HTTP protobuf export to /v1/traces", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
			http.Error(w, "not an export", http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		for _, rs := range req.ResourceSpans {
			service := attributes(rs.GetResource().GetAttributes())["service.name"]
			for _, ss := range rs.ScopeSpans {
				for _, span := range ss.Spans {
					c.spans = append(c.spans, exported{service.(string), span})
				}
			}
		}
		c.mu.Unlock()
		answer, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(answer)
	}))
	t.Cleanup(c.Close)
	return c
}

// named returns the spans of that name the collector got.
func (c *collector) named(name string) []exported {
	c.mu.Lock()
	defer c.mu.Unlock()
	var found []exported
	for _, s := range c.spans {
		if s.span.Name == name {
			found = append(found, s)
		}
	}
	return found
}

func (c *collector) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.spans)
}

// attributes returns OTLP attributes as Go values: strings and int64s.
func attributes(kvs []*commonpb.KeyValue) map[string]any {
	m := map[string]any{}
	for _, kv := range kvs {
		switch v := kv.GetValue().GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			m[kv.Key] = v.StringValue
		case *commonpb.AnyValue_IntValue:
			m[kv.Key] = v.IntValue
		}
	}
	return m
}

// envOf returns a getenv that knows only vars.
func envOf(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

// startStoppable runs feedwire serve on a new database with the environment getenv and
// extra flags, and returns it with its log and a stop that ends it and returns its error.
func startStoppable(t *testing.T, getenv func(string) string, flags ...string) (*testServer, *addrWatcher, func() error) {
	t.Helper()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "feedwire.db")
	ctx, cancel := context.WithCancel(context.Background())
	found := make(chan string, 1)
	log := &addrWatcher{found: found}
	done := make(chan error, 1)
	go func() {
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--database", dsn, "--metrics-addr", "off"}, flags...)
		done <- run(ctx, args, getenv, io.Discard, log)
	}()
	var once sync.Once
	var err error
	stop := func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { stop() })
	select {
	case addr := <-found:
		s := &testServer{url: "http://" + addr, dsn: dsn}
		waitHealthy(t, s.url)
		return s, log, stop
	case err := <-done:
		t.Fatalf("serve ended before listening: %v\n%s", err, log.logText())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start listening within 30s")
	}
	return nil, nil, nil
}

// TestTracingEndToEnd runs serve with OTEL_EXPORTER_OTLP_ENDPOINT naming a local
// collector: an API request, the harvestr challenge it makes, and a delivery attempt
// each arrive there as a span, with their names, attributes and the service's name, by
// the time serve has shut down. The receiver sees no trace header.
func TestTracingEndToEnd(t *testing.T) {
	col := startCollector(t)
	getenv := envOf(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": col.URL, "OTEL_SERVICE_NAME": "feedwire-e2e"})
	s, log, stop := startStoppable(t, getenv, "--allow-private-networks")
	if want := "tracing to the OTLP endpoint\" endpoint=" + col.URL + "/v1/traces"; !strings.Contains(log.logText(), want) {
		t.Errorf("the log does not say %s:\n%s", want, log.logText())
	}
	key := s.createKey(t, "acme")
	arrived := make(chan http.Header, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !strings.HasPrefix(string(body), `{"challenge":`) {
			arrived <- r.Header.Clone()
		}
	}))
	defer receiver.Close()

	hook := call(t, key, "POST", s.url+"/v1/webhooks", map[string]any{
		"name": "local", "url": receiver.URL + "/hook?token=s3cret", "format": "harvestr", "topics": []string{"MESSAGE_CREATED"},
	}, 201)
	id := hook["id"].(string)
	call(t, key, "POST", s.url+"/v1/webhooks/"+id+"/test", map[string]any{}, 202)
	select {
	case h := <-arrived:
		for _, name := range []string{"Traceparent", "Tracestate", "Baggage"} {
			if v := h.Get(name); v != "" {
				t.Errorf("the receiver got %s: %s", name, v)
			}
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the delivery did not arrive within 10s")
	}
	// An attempt's span ends before the attempt is recorded.
	eventually(t, func() bool {
		return len(call(t, key, "GET", s.url+"/v1/deliveries?status=succeeded", nil, 200)["data"].([]any)) == 1
	})
	if err := stop(); err != nil {
		t.Fatalf("serve ended with %v", err)
	}

	want := []struct {
		name  string
		kind  tracepb.Span_SpanKind
		attrs map[string]any
		ids   []string // attributes that must be there, whatever their value
	}{
		{"POST /v1/webhooks", tracepb.Span_SPAN_KIND_SERVER, map[string]any{"http.request.method": "POST",
			"http.route": "/v1/webhooks", "http.response.status_code": int64(201), "url.path": "/v1/webhooks"},
			[]string{"feedwire.request_id"}},
		{"harvestr challenge", tracepb.Span_SPAN_KIND_CLIENT, map[string]any{"url.full": receiver.URL + "/hook",
			"http.response.status_code": int64(200)}, nil},
		{"POST /v1/webhooks/{id}/test", tracepb.Span_SPAN_KIND_SERVER, map[string]any{"http.route": "/v1/webhooks/{id}/test",
			"url.path": "/v1/webhooks/" + id + "/test", "http.response.status_code": int64(202)}, []string{"feedwire.request_id"}},
		{"deliver harvestr", tracepb.Span_SPAN_KIND_CLIENT, map[string]any{"feedwire.webhook.id": id,
			"feedwire.event.type": "MESSAGE_CREATED", "feedwire.attempt.number": int64(1), "feedwire.attempt.outcome": "delivered",
			"http.request.method": "POST", "http.response.status_code": int64(200), "url.full": receiver.URL + "/hook",
			"server.address": "127.0.0.1"}, []string{"feedwire.delivery.id", "feedwire.event.id", "server.port"}},
	}
	for _, w := range want {
		spans := col.named(w.name)
		if len(spans) != 1 {
			t.Errorf("the collector got %d %q spans, want 1", len(spans), w.name)
			continue
		}
		got := spans[0]
		if got.service != "feedwire-e2e" || got.span.Kind != w.kind {
			t.Errorf("%s: got service %q and kind %v, want feedwire-e2e and %v", w.name, got.service, got.span.Kind, w.kind)
		}
		attrs := attributes(got.span.Attributes)
		for k, v := range w.attrs {
			if attrs[k] != v {
				t.Errorf("%s: got %s %v, want %v", w.name, k, attrs[k], v)
			}
		}
		for _, k := range w.ids {
			if _, ok := attrs[k]; !ok {
				t.Errorf("%s: no %s among %v", w.name, k, slices.Sorted(maps.Keys(attrs)))
			}
		}
	}
	if create, challenge := col.named("POST /v1/webhooks"), col.named("harvestr challenge"); len(create) == 1 && len(challenge) == 1 &&
		!reflect.DeepEqual(challenge[0].span.ParentSpanId, create[0].span.SpanId) {
		t.Errorf("the challenge's span is not the child of its request's span")
	}
}

// TestTracingOff: without the variables that ask for tracing, or with those that turn
// it off, serve exports nothing and says nothing of tracing.
func TestTracingOff(t *testing.T) {
	col := startCollector(t)
	for _, tc := range []struct {
		name string
		env  map[string]string
	}{
		{"no variables", nil},
		{"only the other variables", map[string]string{"OTEL_SERVICE_NAME": "feedwire", "OTEL_EXPORTER_OTLP_HEADERS": "a=b"}},
		{"OTEL_SDK_DISABLED", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": col.URL, "OTEL_SDK_DISABLED": "true"}},
		{"OTEL_TRACES_EXPORTER=none", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": col.URL, "OTEL_TRACES_EXPORTER": "none"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, log, stop := startStoppable(t, envOf(tc.env))
			callRaw(t, "", "GET", s.url+"/v1/webhooks", nil, 401)
			if err := stop(); err != nil {
				t.Fatalf("serve ended with %v", err)
			}
			if n := col.count(); n != 0 {
				t.Errorf("the collector got %d spans, want none", n)
			}
			if strings.Contains(log.logText(), "tracing") {
				t.Errorf("the log speaks of tracing:\n%s", log.logText())
			}
		})
	}
}

// TestTracingRefused: serve refuses to start, naming the variable, when the tracing
// variables ask for what it cannot do or do not parse.
func TestTracingRefused(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
			`OTEL_EXPORTER_OTLP_PROTOCOL="grpc" is not supported: feedwire exports traces over OTLP/HTTP with protobuf`},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"},
			`OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="http/json" is not supported`},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "127.0.0.1:4318"},
			`OTEL_EXPORTER_OTLP_ENDPOINT="127.0.0.1:4318" must be an http or https URL`},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://[::1"},
			`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="http://[::1" must be an http or https URL`},
		{map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, `OTEL_TRACES_EXPORTER="zipkin" is not supported`},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_HEADERS": "api-key"},
			`OTEL_EXPORTER_OTLP_HEADERS: "api-key" is not name=value`},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "10s"},
			`OTEL_EXPORTER_OTLP_TRACES_TIMEOUT="10s" must be a positive number of milliseconds`},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_COMPRESSION": "br"},
			`OTEL_EXPORTER_OTLP_COMPRESSION="br" must be gzip or none`},
	} {
		dsn := "sqlite:" + filepath.Join(t.TempDir(), "feedwire.db")
		err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--database", dsn, "--metrics-addr", "off"},
			envOf(tc.env), io.Discard, io.Discard)
		var usage usageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("with %v: got %v, want a usage error saying %s", tc.env, err, tc.want)
		}
	}
}

func TestParseTracing(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want tracingConfig
	}{
		{"off", nil, tracingConfig{}},
		{"the base endpoint gets the traces path", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"},
			tracingConfig{Endpoint: "http://collector:4318/v1/traces"}},
		{"under the base endpoint's path", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://otlp.example/otlp/"},
			tracingConfig{Endpoint: "https://otlp.example/otlp/v1/traces"}},
		{"the traces endpoint is used as it is, and wins", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318",
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://b/api/spans"}, tracingConfig{Endpoint: "https://b/api/spans"}},
		{"a traces endpoint with no path", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:4318"},
			tracingConfig{Endpoint: "http://b:4318/"}},
		{"otlp with no endpoint", map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, tracingConfig{Endpoint: defaultTracesEndpoint}},
		{"every setting", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
			"OTEL_EXPORTER_OTLP_HEADERS": "x-a=1", "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "api-key=s3%20cret, x-b = 2",
			"OTEL_EXPORTER_OTLP_TIMEOUT": "500", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "gzip", "OTEL_SERVICE_NAME": "hub"},
			tracingConfig{Endpoint: defaultTracesEndpoint, Headers: map[string]string{"api-key": "s3 cret", "x-b": "2"},
				Timeout: 500 * time.Millisecond, Gzip: true, ServiceName: "hub"}},
		{"disabled", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318", "OTEL_SDK_DISABLED": "TRUE"}, tracingConfig{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseTracing(envOf(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if tc.want.Timeout == 0 {
				tc.want.Timeout = 10 * time.Second
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
