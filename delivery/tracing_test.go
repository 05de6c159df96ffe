package delivery_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/feedwire/feedwire"
)

// TestAttemptSpans: a failed attempt and the successful one after it each give a client
// span with the delivery's ids, where it went (without the URL's query) and how it went;
// the failed one is an error of its class. The receiver sees no trace header. The
// harvestr challenge of a webhook created within a span is that span's child.
func TestAttemptSpans(t *testing.T) {
	recorder := tracetest.NewSpanRecorder()
	provider := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))
	f := setup(t, options{allowPrivate: true, tracerProvider: provider})
	r := newReceiver(t, f.clock, func(n int, w http.ResponseWriter) {
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	ctx, parent := provider.Tracer("test").Start(context.Background(), "POST /v1/webhooks")
	w, err := f.webhooks.CreateWebhook(ctx, f.workspace, feedwire.WebhookInput{
		Name: "test", URL: r.URL + "/hook?token=s3cret", Format: feedwire.FormatHarvestr,
		Topics: []feedwire.EventType{feedwire.MessageCreated}, RetrySchedule: []time.Duration{5 * time.Second},
	})
	parent.End()
	if err != nil {
		t.Fatal(err)
	}
	<-r.challenges
	f.message(t)
	first, failed := r.next(t), f.attempt(t)
	f.advance(5 * time.Second)
	second, delivered := r.next(t), f.attempt(t)
	if failed.Attempt.ErrorClass != feedwire.ErrorStatus || delivered.Attempt.Outcome != feedwire.OutcomeDelivered {
		t.Fatalf("got attempts %s (%s) and %s, want a failed one (status) and a delivered one",
			failed.Attempt.Outcome, failed.Attempt.ErrorClass, delivered.Attempt.Outcome)
	}
	for _, h := range []http.Header{first.header, second.header} {
		for _, name := range []string{"Traceparent", "Tracestate", "Baggage"} {
			if v := h.Get(name); v != "" {
				t.Errorf("the receiver got %s: %s; a delivery's headers are the vendor's only", name, v)
			}
		}
	}

	spans := map[string][]sdktrace.ReadOnlySpan{}
	for _, s := range recorder.Ended() { // an attempt's span ends before the attempt is recorded
		spans[s.Name()] = append(spans[s.Name()], s)
	}
	if got := spans["deliver harvestr"]; len(got) != 2 {
		t.Fatalf("got %d deliver harvestr spans, want 2: %v", len(got), spans)
	}
	receiver, _ := url.Parse(r.URL)
	port, _ := strconv.Atoi(receiver.Port())
	for i, a := range []feedwire.AttemptResult{failed, delivered} {
		span := spans["deliver harvestr"][i]
		if span.SpanKind() != trace.SpanKindClient || span.Parent().IsValid() {
			t.Errorf("attempt %d: got a span of kind %v with parent %v, want a client span of its own", i+1, span.SpanKind(), span.Parent())
		}
		want := map[attribute.Key]attribute.Value{
			"feedwire.webhook.id":       attribute.StringValue(w.ID),
			"feedwire.delivery.id":      attribute.StringValue(a.Attempt.DeliveryID),
			"feedwire.event.type":       attribute.StringValue("MESSAGE_CREATED"),
			"feedwire.event.id":         attribute.StringValue(a.Claim.Event.ID),
			"feedwire.attempt.number":   attribute.IntValue(i + 1),
			"feedwire.attempt.outcome":  attribute.StringValue(string(a.Attempt.Outcome)),
			"http.request.method":       attribute.StringValue("POST"),
			"http.response.status_code": attribute.IntValue(a.Attempt.ResponseStatus),
			"url.full":                  attribute.StringValue(r.URL + "/hook"),
			"server.address":            attribute.StringValue("127.0.0.1"),
			"server.port":               attribute.IntValue(port),
		}
		wantStatus := codes.Unset
		if a.Attempt.ErrorClass != "" {
			want["error.type"] = attribute.StringValue(string(a.Attempt.ErrorClass))
			wantStatus = codes.Error
		}
		checkAttributes(t, span.Attributes(), want)
		if _, ok := attributeMap(span.Attributes())["error.type"]; ok && a.Attempt.ErrorClass == "" {
			t.Errorf("attempt %d: the successful attempt's span has an error.type", i+1)
		}
		if span.Status().Code != wantStatus {
			t.Errorf("attempt %d (%s): got span status %v, want %v", i+1, a.Attempt.Outcome, span.Status(), wantStatus)
		}
	}

	if got := spans["harvestr challenge"]; len(got) != 1 || got[0].Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("got harvestr challenge spans %v, want one, the child of the request's span", got)
	} else {
		checkAttributes(t, got[0].Attributes(), map[attribute.Key]attribute.Value{
			"http.response.status_code": attribute.IntValue(200), "url.full": attribute.StringValue(r.URL + "/hook"),
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
