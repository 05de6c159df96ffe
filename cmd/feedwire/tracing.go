package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// tracingConfig is where serve sends its spans, read from the standard OpenTelemetry
// variables: OTLP over HTTP with protobuf, to a collector or a tracing backend.
//
// Tracing is on when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is
// set, or OTEL_TRACES_EXPORTER is otlp; off when OTEL_SDK_DISABLED is true or
// OTEL_TRACES_EXPORTER is none. The endpoint, protocol, headers, timeout, compression
// and service name are read here, so that a bad value stops serve at start-up. The
// rest is read by the OpenTelemetry SDK from the process environment, since it takes
// no other: OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER and its argument, the
// OTEL_BSP_* batch settings and the exporter's certificates
// (OTEL_EXPORTER_OTLP_CERTIFICATE and the like).
type tracingConfig struct {
	// Endpoint is the URL spans are POSTed to, such as http://collector:4318/v1/traces;
	// "" when tracing is off.
	Endpoint string
	// Headers go with every export, such as a backend's API key.
	Headers map[string]string
	// Timeout bounds each export. Defaults to 10s.
	Timeout time.Duration
	// Gzip compresses the exports.
	Gzip bool
	// ServiceName is the service.name of the spans (OTEL_SERVICE_NAME). When empty, it is
	// the service.name of OTEL_RESOURCE_ATTRIBUTES, or feedwire.
	ServiceName string
}

// defaultTracesEndpoint is where spans go when OTEL_TRACES_EXPORTER=otlp names no
// endpoint: a collector on this machine, at the standard OTLP/HTTP port.
const defaultTracesEndpoint = "http://localhost:4318/v1/traces"

// redactedEndpoint is the endpoint for the log, with any password left out.
func (c tracingConfig) redactedEndpoint() string {
	u, err := url.Parse(c.Endpoint)
	if err != nil {
		return ""
	}
	return u.Redacted()
}

// parseTracing reads the tracing configuration from the environment.
func parseTracing(getenv func(string) string) (tracingConfig, error) {
	c := tracingConfig{Timeout: 10 * time.Second}
	if on, err := tracingWanted(getenv); !on || err != nil {
		return c, err
	}
	if name, protocol := otlpSetting(getenv, "PROTOCOL"); protocol != "" && protocol != "http/protobuf" {
		return c, fmt.Errorf("%s=%q is not supported: feedwire exports traces over OTLP/HTTP with protobuf, http/protobuf", name, protocol)
	}
	var err error
	if c.Endpoint, err = tracesEndpoint(getenv); err != nil {
		return c, err
	}
	if name, v := otlpSetting(getenv, "HEADERS"); v != "" {
		if c.Headers, err = parseOTLPHeaders(v); err != nil {
			return c, fmt.Errorf("%s: %w", name, err)
		}
	}
	if name, v := otlpSetting(getenv, "TIMEOUT"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms <= 0 {
			return c, fmt.Errorf("%s=%q must be a positive number of milliseconds", name, v)
		}
		c.Timeout = time.Duration(ms) * time.Millisecond
	}
	switch name, v := otlpSetting(getenv, "COMPRESSION"); v {
	case "", "none":
	case "gzip":
		c.Gzip = true
	default:
		return c, fmt.Errorf("%s=%q must be gzip or none", name, v)
	}
	c.ServiceName = strings.TrimSpace(getenv("OTEL_SERVICE_NAME"))
	return c, nil
}

// tracingWanted reports whether the environment asks for traces: an OTLP endpoint, or
// OTEL_TRACES_EXPORTER=otlp, unless OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none.
func tracingWanted(getenv func(string) string) (bool, error) {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return false, nil
	}
	switch exporter := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")); exporter {
	case "none":
		return false, nil
	case "":
		_, endpoint := otlpSetting(getenv, "ENDPOINT")
		return endpoint != "", nil
	case "otlp":
		return true, nil
	default:
		return false, fmt.Errorf("OTEL_TRACES_EXPORTER=%q is not supported: feedwire exports traces with otlp, or none", exporter)
	}
}

// otlpSetting returns an exporter setting and the variable that set it:
// OTEL_EXPORTER_OTLP_TRACES_<name>, which wins, or OTEL_EXPORTER_OTLP_<name>.
func otlpSetting(getenv func(string) string, name string) (variable, value string) {
	if v := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_" + name)); v != "" {
		return "OTEL_EXPORTER_OTLP_TRACES_" + name, v
	}
	return "OTEL_EXPORTER_OTLP_" + name, strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_" + name))
}

// tracesEndpoint returns the URL spans are sent to: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
// as it is, or OTEL_EXPORTER_OTLP_ENDPOINT with /v1/traces appended to its path, as the
// OTLP specification has it.
func tracesEndpoint(getenv func(string) string) (string, error) {
	name, v := otlpSetting(getenv, "ENDPOINT")
	if v == "" {
		return defaultTracesEndpoint, nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%s=%q must be an http or https URL, such as http://localhost:4318", name, v)
	}
	switch {
	case name == "OTEL_EXPORTER_OTLP_ENDPOINT":
		u.Path = path.Join("/", u.Path, "v1/traces")
	case u.Path == "":
		u.Path = "/"
	}
	return u.String(), nil
}

// parseOTLPHeaders parses the headers of OTEL_EXPORTER_OTLP_HEADERS:
// name=value,name=value with the values percent-encoded.
func parseOTLPHeaders(s string) (map[string]string, error) {
	headers := map[string]string{}
	for pair := range strings.SplitSeq(s, ",") {
		name, value, ok := strings.Cut(pair, "=")
		name = strings.TrimSpace(name)
		if !ok || !validHeaderName(name) {
			return nil, fmt.Errorf("%q is not name=value with a header name", strings.TrimSpace(pair))
		}
		decoded, err := url.PathUnescape(value)
		if err != nil {
			return nil, fmt.Errorf("the value of %s is not percent-encoded", name)
		}
		headers[name] = strings.TrimSpace(decoded)
	}
	return headers, nil
}

// validHeaderName reports whether name is an HTTP token (RFC 9110 §5.6.2).
func validHeaderName(name string) bool {
	return name != "" && !strings.ContainsFunc(name, func(r rune) bool {
		return r > '~' || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r)
	})
}

// newTracerProvider returns the tracer provider that exports serve's spans as c says,
// in batches, with the build's version as service.version.
func newTracerProvider(ctx context.Context, c tracingConfig, version string, logger *slog.Logger) (*sdktrace.TracerProvider, error) {
	compression := otlptracehttp.NoCompression
	if c.Gzip {
		compression = otlptracehttp.GzipCompression
	}
	// Every setting read from getenv is passed on: the exporter would read the process
	// environment otherwise.
	exporter, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(c.Endpoint),
		otlptracehttp.WithHeaders(c.Headers), otlptracehttp.WithTimeout(c.Timeout), otlptracehttp.WithCompression(compression))
	if err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	// Later attributes win: OTEL_RESOURCE_ATTRIBUTES (read by resource.WithFromEnv) over
	// the defaults, and OTEL_SERVICE_NAME over both.
	options := []resource.Option{
		resource.WithAttributes(semconv.ServiceName("feedwire"), semconv.ServiceVersion(version)),
		resource.WithTelemetrySDK(), resource.WithHost(), resource.WithFromEnv(),
	}
	if c.ServiceName != "" {
		options = append(options, resource.WithAttributes(semconv.ServiceName(c.ServiceName)))
	}
	res, err := resource.New(ctx, options...)
	if err != nil {
		return nil, fmt.Errorf("tracing: the resource (OTEL_RESOURCE_ATTRIBUTES): %w", err)
	}
	// The SDK reports failed exports only to its global error handler, which would
	// write them with the log package, apart from serve's log.
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		logger.Warn("tracing: spans were not exported", "error", err)
	}))
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res)), nil
}
