package delivery

import (
	"context"
	"net/url"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/feedwire/feedwire"
)

// tracerName names the spans of this package.
const tracerName = "github.com/feedwire/feedwire/delivery"

// The attributes of an attempt's span that say which delivery it was.
const (
	webhookIDAttribute     = attribute.Key("feedwire.webhook.id")
	deliveryIDAttribute    = attribute.Key("feedwire.delivery.id")
	eventTypeAttribute     = attribute.Key("feedwire.event.type")
	eventIDAttribute       = attribute.Key("feedwire.event.id")
	attemptNumberAttribute = attribute.Key("feedwire.attempt.number")
	outcomeAttribute       = attribute.Key("feedwire.attempt.outcome")
)

// startSpan starts the client span of a request to a receiver at rawURL. The span is
// in the request's context only: no header carries it to the receiver, whose request
// is exactly what the vendor would send.
func startSpan(ctx context.Context, tracer trace.Tracer, name, rawURL string) (context.Context, trace.Span) {
	ctx, span := tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient))
	if span.IsRecording() {
		span.SetAttributes(semconv.HTTPRequestMethodPost)
		span.SetAttributes(receiverAttributes(rawURL)...)
	}
	return ctx, span
}

// traceAttempt puts a decided attempt on its span: which delivery it was, and how it
// went; a failed attempt's span is an error, with its error class.
func traceAttempt(span trace.Span, c *feedwire.Claim, a *feedwire.Attempt) {
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(webhookIDAttribute.String(c.Webhook.ID), deliveryIDAttribute.String(c.Delivery.ID),
		eventTypeAttribute.String(string(c.Event.Type)), eventIDAttribute.String(c.Event.ID),
		attemptNumberAttribute.Int(a.Number), outcomeAttribute.String(string(a.Outcome)))
	if a.ResponseStatus != 0 {
		span.SetAttributes(semconv.HTTPResponseStatusCode(a.ResponseStatus))
	}
	if a.ErrorClass != "" {
		span.SetAttributes(semconv.ErrorTypeKey.String(string(a.ErrorClass)))
		span.SetStatus(codes.Error, a.ErrorMessage)
	}
}

// receiverAttributes says where a request went: the URL without its query, fragment
// or user info, which may hold a receiver's secret, and its host and port.
func receiverAttributes(rawURL string) []attribute.KeyValue {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	attrs := []attribute.KeyValue{semconv.URLFull(u.String()), semconv.ServerAddress(u.Hostname())}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	if n, err := strconv.Atoi(port); err == nil {
		attrs = append(attrs, semconv.ServerPort(n))
	}
	return attrs
}
