// Package httpapi serves feedwire's REST API: JSON over HTTP, described by an OpenAPI 3.1
// document generated from the Go types, with errors as RFC 9457 problem details.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"go.opentelemetry.io/otel/trace"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
	"github.com/feedwire/feedwire/wire"
)

// Services are what the API serves. *store.Store provides all of them.
type Services struct {
	Workspaces      feedwire.WorkspaceService
	Users           feedwire.UserService
	Messages        feedwire.MessageService
	DiscoveryStates feedwire.DiscoveryStateService
	Discoveries     feedwire.DiscoveryService
	Components      feedwire.ComponentService
	Feedback        feedwire.FeedbackService
	Events          feedwire.EventService
	Webhooks        feedwire.WebhookService
	Deliveries      feedwire.DeliveryService
	Jobs            feedwire.JobService
	Boards          feedwire.BoardService
	Posts           feedwire.PostService
	Comments        feedwire.CommentService
	Changelogs      feedwire.ChangelogService
	Conversations   feedwire.ConversationService
	// Limiter, when set, limits the requests of each API key; nil leaves them unlimited.
	Limiter *RateLimiter
	// Ping reports whether the database answers, for GET /healthz.
	Ping func(context.Context) error
	// PublicURL, when set, is where clients reach the API: the server the OpenAPI
	// document names.
	PublicURL string
	// Idempotency, when set, remembers the answers of POSTs with an Idempotency-Key;
	// nil ignores the header.
	Idempotency feedwire.IdempotencyService
	// Listen, when set, serves GET /v1/listen, the event streams of feedwire listen.
	Listen feedwire.ListenService
	// Streams, when set, wakes the listen streams when events are committed and ends
	// them at shutdown; without it they look for events every 250 ms and end with
	// their connections.
	Streams *Streams
	// Requested, when set, is told of every request answered: its method, the route
	// pattern that matched ("" for none), the status and how long it took. Metrics
	// count requests with it.
	Requested func(method, route string, status int, took time.Duration)
	// TracerProvider, when set, traces every request in a server span, which continues
	// the caller's trace when its traceparent names one; nil traces nothing.
	TracerProvider trace.TracerProvider
	// Portal, when set, serves every path that is not the API's (/v1, /healthz,
	// /openapi.json): the web portal. It gets the request id, the access log, the
	// trace and the recovery from panics, not the API's key, body and URL checks.
	Portal http.Handler
}

// Version is the API version the OpenAPI document states.
const Version = "0.1.0"

// NewServer returns the handler of the whole API: /v1, /healthz and /openapi.json.
// catalog is the event type catalog that GET /v1/event-types serves.
func NewServer(logger *slog.Logger, svc Services, catalog []wire.EventType) (http.Handler, error) {
	mux := http.NewServeMux()
	config := apiConfig()
	if svc.PublicURL != "" {
		config.Servers = []*huma.Server{{URL: svc.PublicURL, Description: "this feedwire"}}
	}
	api := humago.New(mux, config)
	s := &server{logger: logger, workspaces: svc.Workspaces, limiter: svc.Limiter, requested: svc.Requested, mux: mux,
		idempotency: svc.Idempotency, portal: svc.Portal != nil}
	if svc.TracerProvider != nil {
		s.tracer = svc.TracerProvider.Tracer("github.com/feedwire/feedwire/httpapi")
	}
	api.UseMiddleware(requireWorkspace(api))
	addRoutes(mux, api, s, svc, catalog)
	allowNullObjects(api.OpenAPI().Components.Schemas)
	describeOperations(api.OpenAPI(), svc.Limiter != nil)
	if err := addWebhooks(api.OpenAPI(), catalog); err != nil {
		return nil, err
	}
	document, err := json.Marshal(api.OpenAPI())
	if err != nil {
		return nil, err
	}
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/openapi+json")
		w.Write(document)
	})
	var handler http.Handler = s.requireKey(s.idempotent(checkURLs(checkBodies(mux))))
	if svc.Portal != nil {
		handler = besidePortal(handler, svc.Portal)
	}
	return s.withRequestID(s.traceRequests(s.logRequests(s.recoverPanics(handler)))), nil
}

// besidePortal sends the API's paths to api and every other path to portal.
func besidePortal(api, portal http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isAPIPath(r.URL.Path) {
			api.ServeHTTP(w, r)
			return
		}
		portal.ServeHTTP(w, r)
	})
}

// isAPIPath reports whether a path is the API's rather than the portal's.
func isAPIPath(p string) bool {
	return p == "/v1" || strings.HasPrefix(p, "/v1/") || p == "/healthz" || p == "/openapi.json"
}

// allowNullObjects lets each object member that the answers may send as null be null
// in the schemas: a field that points to a struct, always sent (no omitempty). huma
// marks a pointer to a scalar or a time nullable (with the nullable tag), but not one
// to a struct, whose schema is a $ref: its member becomes anyOf the $ref and null.
func allowNullObjects(registry huma.Registry) {
	for name, schema := range registry.Map() {
		t := registry.TypeFromRef("#/components/schemas/" + name)
		if t == nil || t.Kind() != reflect.Struct {
			continue
		}
		for _, f := range reflect.VisibleFields(t) {
			jsonName, options, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || f.Type.Kind() != reflect.Pointer || f.Type.Elem().Kind() != reflect.Struct ||
				jsonName == "" || jsonName == "-" || strings.Contains(options, "omit") {
				continue
			}
			if p := schema.Properties[jsonName]; p != nil && p.Ref != "" {
				schema.Properties[jsonName] = &huma.Schema{AnyOf: []*huma.Schema{p, {Type: "null"}}}
			}
		}
	}
}

// apiConfig is huma's default configuration without what feedwire does not want: no
// $schema member in responses, and no docs page that loads scripts from a CDN.
func apiConfig() huma.Config {
	config := huma.DefaultConfig("feedwire", Version)
	config.Info.Description = "The REST API of feedwire, a self-hosted product-feedback hub whose every change is delivered as a signed webhook."
	config.CreateHooks = nil
	config.DocsPath = ""
	config.SchemasPath = ""
	// NewServer serves /openapi.json itself: huma would also serve an OpenAPI 3.0
	// version, which cannot say what the 3.1 document does (its webhooks, nullable
	// references) and so was invalid. There is no 3.0 document.
	config.OpenAPIPath = ""
	// Every list answer's data is an array, never null: the generated clients should
	// not make it optional.
	huma.DefaultArrayNullable = false
	config.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "An API key from `feedwire keys create`."},
	}
	registry := huma.NewMapRegistry("#/components/schemas/", schemaName)
	config.Components.Schemas = registry
	// Timestamps are strings on the wire, and stored payloads are any JSON value.
	registry.RegisterTypeAlias(reflect.TypeFor[webhook.Time](), reflect.TypeFor[time.Time]())
	registry.RegisterTypeAlias(reflect.TypeFor[json.RawMessage](), reflect.TypeFor[any]())
	return config
}

// server holds what every handler shares.
type server struct {
	logger      *slog.Logger
	workspaces  feedwire.WorkspaceService
	limiter     *RateLimiter // nil: no rate limit
	requested   func(method, route string, status int, took time.Duration)
	idempotency feedwire.IdempotencyService // nil: Idempotency-Key is ignored
	mux         *http.ServeMux              // its patterns name the routes of the request metrics and spans
	tracer      trace.Tracer                // nil: requests are not traced
	portal      bool                        // the portal serves the paths that are not the API's
}

type contextKey int

const (
	workspaceKey contextKey = iota
	apiKeyKey               // the request's API key, which listen derives its secret from
	requestIDKey
)

// bearer is the security requirement of every /v1 operation.
var bearer = []map[string][]string{{"bearer": {}}}

// requireKey admits a request to /v1 only with a valid API key that is within its rate
// limit, and does so before anything reads the body: a request without a valid key is
// answered 401, and one over its key's rate 429, at once, and its body is never read.
// So nobody without a key can make the server read a body, or wait for one.
func (s *server) requireKey(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v1/") {
			next.ServeHTTP(w, r)
			return
		}
		key, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="feedwire"`)
			refuse(w, r, huma.Error401Unauthorized("an API key is required: Authorization: Bearer <key>"))
			return
		}
		ws, err := s.workspaces.Authenticate(r.Context(), key)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="feedwire", error="invalid_token"`)
			refuse(w, r, s.problem(r.Context(), err))
			return
		}
		if s.limiter != nil {
			if ok, wait := s.limiter.Allow(key); !ok {
				seconds := retryAfter(wait)
				w.Header().Set("Retry-After", strconv.Itoa(seconds))
				refuse(w, r, huma.Error429TooManyRequests(fmt.Sprintf("this API key is over its rate limit; retry in %d s", seconds)))
				return
			}
		}
		ctx := context.WithValue(context.WithValue(r.Context(), workspaceKey, ws.ID), apiKeyKey, key)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// requireWorkspace refuses an operation that requires a key when requireKey did not
// admit the request, as it would for an operation outside /v1: such an operation fails
// closed rather than run for no workspace.
func requireWorkspace(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		if _, ok := ctx.Context().Value(workspaceKey).(string); ok || len(ctx.Operation().Security) == 0 {
			next(ctx)
			return
		}
		huma.WriteErr(api, ctx, http.StatusUnauthorized, "this operation was not authenticated")
	}
}

// bearerToken returns the token of an Authorization header of the Bearer scheme. Scheme
// names are case-insensitive (RFC 9110 §11.1), and one or more spaces may follow them.
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimLeft(token, " ")
	return token, token != ""
}

// refuse answers a request with a problem without reading its body, and closes the
// connection if it has one. Otherwise net/http would read what is left of the body
// before it sent the answer, so a refused client would wait for the answer as long as
// it took to send the rest, or for ever if it never did.
func refuse(w http.ResponseWriter, r *http.Request, se huma.StatusError) {
	if r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
	writeProblem(w, se)
}

// writeProblem answers with a problem the way huma answers its own.
func writeProblem(w http.ResponseWriter, se huma.StatusError) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(se.GetStatus())
	json.NewEncoder(w).Encode(se)
}

// handler is an operation that acts for the workspace of the request's API key.
type handler[I, O any] func(ctx context.Context, workspaceID string, in *I) (*O, error)

// register adds an authenticated operation whose errors become problem details.
func register[I, O any](api huma.API, s *server, op huma.Operation, h handler[I, O]) {
	op.Security = bearer
	huma.Register(api, op, func(ctx context.Context, in *I) (*O, error) {
		workspaceID, _ := ctx.Value(workspaceKey).(string)
		out, err := h(ctx, workspaceID, in)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return out, nil
	})
}

// withRequestID gives every request an id, echoed in X-Request-Id, that the logs and
// any internal error's problem detail quote.
func (s *server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			b := make([]byte, 8)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// validRequestID reports whether a client's X-Request-Id may be kept: 1 to 128 letters,
// digits and ". _ : -", as a proxy or a client generates them (a UUID, a trace id). Any
// other is replaced, so that the logs and answers never carry what a client smuggled
// into them.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// statusRecorder remembers the status a handler wrote, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection: without it, the deadlines
// set through it, huma's deadline for reading a body among them, are silently dropped.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush keeps http.Flusher working through the recorder.
func (r *statusRecorder) Flush() {
	http.NewResponseController(r.ResponseWriter).Flush()
}

func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		took := time.Since(start)
		if s.requested != nil {
			s.requested(r.Method, s.route(r), rec.status, took)
		}
		s.logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", rec.status),
			slog.Duration("duration", took), slog.String("request_id", requestID(r.Context())),
			slog.String("remote", r.RemoteAddr))
	})
}

// recoverPanics turns a panic in a handler into a logged internal error instead of a
// dropped connection.
func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil || v == http.ErrAbortHandler {
				if v != nil {
					panic(v)
				}
				return
			}
			writeProblem(w, s.problem(r.Context(), fmt.Errorf("panic: %v\n%s", v, debug.Stack())))
		}()
		next.ServeHTTP(w, r)
	})
}

// handleHealth answers 200 while the database answers, 503 otherwise.
func handleHealth(ping func(context.Context) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if err := ping(r.Context()); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, `{"status":"unavailable"}`)
			return
		}
		fmt.Fprintln(w, `{"status":"ok"}`)
	}
}
