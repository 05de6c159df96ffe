package httpapi

import (
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// requestIDAttribute is the request's id (X-Request-Id) on its span: the same id the
// access log and an internal error's problem detail quote.
const requestIDAttribute = attribute.Key("feedwire.request_id")

// traceContext reads the W3C traceparent and tracestate of a request, so that a
// caller's trace continues in feedwire's span. It is not the global propagator:
// nothing else of the process is configured through globals.
var traceContext propagation.TraceContext

// traceRequests gives each request a server span named for its method and route
// ("GET /v1/webhooks/{id}"), the child of the caller's span when traceparent names one.
// Without a tracer it adds nothing.
func (s *server) traceRequests(next http.Handler) http.Handler {
	if s.tracer == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method, route := spanMethod(r.Method), s.route(r)
		name := method
		if method == "_OTHER" {
			name = "HTTP"
		}
		if route != "" {
			name += " " + route
		}
		ctx := traceContext.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := s.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer))
		defer span.End()
		if span.IsRecording() {
			span.SetAttributes(semconv.HTTPRequestMethodKey.String(method), semconv.URLPath(r.URL.Path),
				requestIDAttribute.String(requestID(ctx)))
			if route != "" {
				span.SetAttributes(semconv.HTTPRoute(route))
			}
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(ctx))
		span.SetAttributes(semconv.HTTPResponseStatusCode(rec.status))
		if rec.status >= 500 {
			// A 4xx is the client's error, not the server's: its span stays unset.
			span.SetStatus(codes.Error, http.StatusText(rec.status))
		}
	})
}

// route returns the path pattern of the route that serves r, such as
// /v1/webhooks/{id}, "portal" for the pages of the portal, or "" when none does: what
// the request metrics count by.
func (s *server) route(r *http.Request) string {
	if s.portal && !isAPIPath(r.URL.Path) {
		return "portal"
	}
	_, route := s.mux.Handler(r)
	if _, path, ok := strings.Cut(route, " "); ok {
		return path // "GET /v1/webhooks/{id}": the method is told apart
	}
	return route
}

// spanMethod is the method of a span: one of the standard methods, or "_OTHER" as the
// semantic conventions have it, since net/http takes any token for a method.
func spanMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "_OTHER"
}
