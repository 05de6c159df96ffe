package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/delivery"
	"github.com/feedwire/feedwire/httpapi"
	"github.com/feedwire/feedwire/metrics"
	"github.com/feedwire/feedwire/portal"
	"github.com/feedwire/feedwire/store"
	"github.com/feedwire/feedwire/wire"
)

// serveConfig is what serve runs with. Each field is a flag that an environment
// variable sets when the command line does not, so flags win over the environment.
type serveConfig struct {
	// Addr is the address to listen on. Defaults to 127.0.0.1:8080 (FEEDWIRE_ADDR).
	Addr string
	// Database is the database, sqlite:PATH or postgres://…. Defaults to sqlite:feedwire.db in the
	// working directory (FEEDWIRE_DATABASE).
	Database string
	// Role is what this node does: all (the default), api (the REST API only) or worker
	// (deliveries, and the timed work when it leads; its address serves /healthz only).
	// Any number of nodes of each role may share a Postgres database (FEEDWIRE_ROLE).
	Role string
	// AllowPrivateNetworks lets deliveries and challenges reach loopback, private and
	// link-local addresses. Defaults to false (FEEDWIRE_ALLOW_PRIVATE_NETWORKS).
	AllowPrivateNetworks bool
	// Workers is how many delivery attempts run at once. Defaults to 128 (FEEDWIRE_WORKERS).
	Workers int
	// WebhookConcurrency and WorkspaceConcurrency bound the attempts of one webhook and
	// of one workspace under way at once, so that endpoints that hang cannot hold every
	// worker. 0, the default, is half and three quarters of Workers
	// (FEEDWIRE_WEBHOOK_CONCURRENCY, FEEDWIRE_WORKSPACE_CONCURRENCY).
	WebhookConcurrency, WorkspaceConcurrency int
	// Retention is how long events, deliveries and attempts are kept. Defaults to 720h
	// (FEEDWIRE_RETENTION).
	Retention time.Duration
	// SuspendAfter suspends a webhook with no success for this long. Defaults to 120h
	// (FEEDWIRE_SUSPEND_AFTER); 0 never suspends.
	SuspendAfter time.Duration
	// ShutdownTimeout bounds how long a shutdown waits for requests in flight.
	// Defaults to 10s (FEEDWIRE_SHUTDOWN_TIMEOUT).
	ShutdownTimeout time.Duration
	// LogLevel is debug, info, warn or error. Defaults to info (FEEDWIRE_LOG_LEVEL).
	LogLevel slog.Level
	// LogFormat is text (logfmt) or json, one object per line. Defaults to text
	// (FEEDWIRE_LOG_FORMAT).
	LogFormat string
	// PublicURL is where people reach this feedwire; conversation events link to their
	// conversation under it. Defaults to http:// and Addr (FEEDWIRE_PUBLIC_URL).
	PublicURL string
	// MetricsAddr is where GET /metrics is served, apart from the API, whose clients
	// must not see every workspace's activity. Defaults to 127.0.0.1:9464
	// (FEEDWIRE_METRICS_ADDR); "off" or "" serves no metrics.
	MetricsAddr string
	limits
	// SecretKey seals webhook secrets at rest; when empty, a key file beside the
	// database holds the key (FEEDWIRE_SECRET_KEY; see store.Options.SecretKey).
	SecretKey string
	// MaxWebhooks is how many webhooks one workspace may have. Defaults to 100
	// (FEEDWIRE_MAX_WEBHOOKS).
	MaxWebhooks int
	// Tracing is where the spans of API requests and delivery attempts go, from the
	// standard OTEL_* variables; off unless they ask for it (see tracingConfig).
	Tracing tracingConfig
}

func parseServeConfig(e env, args []string) (serveConfig, error) {
	var c serveConfig
	fs := newFlagSet(e, "serve", "Run feedwire: the API, the delivery workers and the sweeper. With no flags it keeps\neverything in feedwire.db in the working directory.\n\n"+
		"Traces go over OTLP/HTTP (protobuf), a span per API request and per delivery attempt, when\n"+
		"the standard OpenTelemetry variables ask for them: OTEL_EXPORTER_OTLP_ENDPOINT or\n"+
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_TRACES_EXPORTER=otlp (to localhost:4318).\n"+
		"OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT and _COMPRESSION, OTEL_SERVICE_NAME,\n"+
		"OTEL_RESOURCE_ATTRIBUTES and OTEL_TRACES_SAMPLER are honoured; OTEL_SDK_DISABLED=true or\n"+
		"OTEL_TRACES_EXPORTER=none turns tracing off.",
		"  feedwire serve\n  feedwire serve --allow-private-networks    # deliver to endpoints on this machine or LAN\n  feedwire serve --addr 0.0.0.0:8080 --database sqlite:/var/lib/feedwire/feedwire.db")
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "address to listen on (env FEEDWIRE_ADDR)")
	fs.StringVar(&c.Role, "role", roleAll, "all, api (the REST API only) or worker (deliveries and timed work) (env FEEDWIRE_ROLE)")
	database := databaseFlag(fs)
	c.SecretKey = e.getenv("FEEDWIRE_SECRET_KEY")
	c.MaxWebhooks = 100
	if v := e.getenv("FEEDWIRE_MAX_WEBHOOKS"); v != "" {
		if err := maxWebhooksSetting(&c.MaxWebhooks)(v); err != nil {
			return c, usageError(fmt.Sprintf("serve: FEEDWIRE_MAX_WEBHOOKS: %v", err))
		}
	}
	c.LogLevel = slog.LevelInfo
	fs.BoolVar(&c.AllowPrivateNetworks, "allow-private-networks", false, "let deliveries reach loopback, private and link-local addresses (env FEEDWIRE_ALLOW_PRIVATE_NETWORKS)")
	fs.IntVar(&c.Workers, "workers", 128, "delivery attempts at once (env FEEDWIRE_WORKERS)")
	fs.IntVar(&c.WebhookConcurrency, "webhook-concurrency", 0, "attempts of one webhook at once; 0 is half of --workers (env FEEDWIRE_WEBHOOK_CONCURRENCY)")
	fs.IntVar(&c.WorkspaceConcurrency, "workspace-concurrency", 0, "attempts of one workspace at once; 0 is three quarters of --workers (env FEEDWIRE_WORKSPACE_CONCURRENCY)")
	fs.DurationVar(&c.Retention, "retention", 720*time.Hour, "how long events, deliveries and attempts are kept (env FEEDWIRE_RETENTION)")
	fs.DurationVar(&c.SuspendAfter, "suspend-after", 120*time.Hour, "suspend a webhook with no success for this long; 0 never (env FEEDWIRE_SUSPEND_AFTER)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "how long shutdown waits for requests and attempts under way; then it cuts them short, and those deliveries are due again at the next start (env FEEDWIRE_SHUTDOWN_TIMEOUT)")
	fs.TextVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (env FEEDWIRE_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", "text", "text (key=value) or json, one object per line (env FEEDWIRE_LOG_FORMAT)")
	fs.StringVar(&c.PublicURL, "public-url", "", "where people reach this feedwire, for links in events; default http://ADDR (env FEEDWIRE_PUBLIC_URL)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "127.0.0.1:9464", "address to serve GET /metrics on, apart from the API; off serves none (env FEEDWIRE_METRICS_ADDR)")
	c.limits.addFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	c.Database = *database
	switch c.Role {
	case roleAll, roleAPI, roleWorker:
	default:
		return c, usageError("serve: --role must be all, api or worker")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, usageError("serve: --log-format must be text or json")
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Addr
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, usageError("serve: --public-url must be an http or https URL")
	}
	switch {
	case c.ShutdownTimeout <= 0:
		return c, usageError("serve: --shutdown-timeout must be positive")
	case c.Workers < 1 || c.Workers > 4096:
		return c, usageError("serve: --workers must be from 1 to 4096")
	case c.WebhookConcurrency < 0 || c.WebhookConcurrency > c.Workers:
		return c, usageError("serve: --webhook-concurrency must be from 0 (half of --workers) to --workers")
	case c.WorkspaceConcurrency < 0 || c.WorkspaceConcurrency > c.Workers:
		return c, usageError("serve: --workspace-concurrency must be from 0 (three quarters of --workers) to --workers")
	case c.Retention < time.Hour:
		return c, usageError("serve: --retention must be at least 1h")
	case c.SuspendAfter < 0:
		return c, usageError("serve: --suspend-after must not be negative")
	}
	if err := checkMetricsAddr(c.MetricsAddr, c.Addr); err != nil {
		return c, err
	}
	if err := c.limits.check(); err != nil {
		return c, err
	}
	var err error
	if c.Tracing, err = parseTracing(e.getenv); err != nil {
		return c, usageError("serve: " + err.Error())
	}
	return c, nil
}

// metricsOff reports whether --metrics-addr says to serve no metrics.
func metricsOff(addr string) bool { return addr == "" || addr == "off" }

func checkMetricsAddr(addr, apiAddr string) error {
	if metricsOff(addr) {
		return nil
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usageError("serve: --metrics-addr must be HOST:PORT, or off")
	}
	if addr == apiAddr && port != "0" { // port 0 is a fresh free port each time
		return usageError("serve: --metrics-addr must differ from --addr: metrics are not for the API's clients")
	}
	return nil
}

func runServe(ctx context.Context, e env, args []string) error {
	c, err := parseServeConfig(e, args)
	if err != nil {
		return err
	}
	logger := newLogger(e.stderr, c.LogFormat, c.LogLevel)
	st, err := newStack(ctx, c, logger)
	if err != nil {
		return err
	}
	defer st.store.Close()
	if c.Tracing.Endpoint != "" {
		logger.Info("tracing to the OTLP endpoint", "endpoint", c.Tracing.redactedEndpoint())
	}
	handler, work, abandon := st.handler, []func(context.Context) error{}, func() {}
	if c.Role != roleAPI {
		abandon = st.dispatcher.Abandon
		watch := func(ctx context.Context) error { return st.store.WatchDeliveries(ctx, st.dispatcher.Wake, logger) }
		work = append(work, st.dispatcher.Run, watch, asLeader(st.store, logger, st.jobs.Run, st.sweeper.Run, st.unsnoozer.Run))
	}
	if c.Role == roleWorker {
		handler = healthOnly(st.store)
	} else {
		work = append(work, st.streams.Run) // ends the listen streams when shutdown begins
	}
	return serve(ctx, c, logger, handler, st.metrics, abandon, st.flushTraces, work...)
}

// The roles of a node.
const (
	roleAll    = "all"
	roleAPI    = "api"
	roleWorker = "worker"
)

// asLeader runs the cluster's timed work while this node leads (store.Lead), and again
// each time it leads anew after losing the lead. On SQLite the one serve always leads.
func asLeader(st *store.Store, logger *slog.Logger, work ...func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		for ctx.Err() == nil {
			lead, err := st.Lead(ctx)
			if err != nil {
				return nil // ctx ended while waiting
			}
			logger.Debug("leading the timed work")
			leadCtx, stop := context.WithCancel(ctx)
			var wg sync.WaitGroup
			for _, run := range work {
				wg.Go(func() {
					if err := run(leadCtx); err != nil {
						logger.Error("timed work stopped", "error", err)
					}
				})
			}
			select {
			case <-ctx.Done():
			case <-lead.Lost():
				logger.Warn("lost the lead of the timed work; waiting to lead again")
			}
			stop()
			wg.Wait()
			lead.Release()
		}
		return nil
	}
}

// healthOnly is what a worker node serves on its address: GET /healthz, for probes.
func healthOnly(st *store.Store) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if err := st.Ping(r.Context()); err != nil {
			http.Error(w, "the database does not answer", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	})
	return mux
}

// stack is everything serve runs, built once here so that bench measures the same thing.
type stack struct {
	store      *store.Store
	handler    http.Handler
	metrics    http.Handler
	dispatcher *delivery.Dispatcher
	jobs       *delivery.Jobs
	sweeper    *delivery.Sweeper
	unsnoozer  *delivery.Unsnoozer
	streams    *httpapi.Streams         // the API's listen streams
	tracer     *sdktrace.TracerProvider // nil: tracing is off
}

// flushTraces exports the spans not yet exported and stops tracing, within ctx.
func (st *stack) flushTraces(ctx context.Context) error {
	if st.tracer == nil {
		return nil
	}
	if err := st.tracer.Shutdown(ctx); err != nil {
		return fmt.Errorf("export the last spans: %w", err)
	}
	return nil
}

// newStack opens and migrates the database and builds the API and the workers on it.
// The caller closes st.store.
func newStack(ctx context.Context, c serveConfig, logger *slog.Logger) (_ *stack, err error) {
	st := &stack{streams: httpapi.NewStreams()}
	// The store wakes the dispatcher after each commit that queued deliveries; both are
	// built below, so the hook reaches them through st and m.
	var m *metrics.Metrics
	st.store, err = store.Open(ctx, c.Database, store.Options{PublicURL: c.PublicURL,
		SecretKey: c.SecretKey, MaxWebhooksPerWorkspace: c.MaxWebhooks, Owner: true,
		AfterCommit: func(events []feedwire.EventType, deliveries int) {
			m.Committed(events)
			if len(events) > 0 {
				st.streams.Wake()
			}
			if deliveries > 0 {
				st.dispatcher.Wake()
			}
		}})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			st.store.Close()
			st.flushTraces(context.WithoutCancel(ctx))
		}
	}()
	if err := st.store.Migrate(ctx); err != nil {
		return nil, err
	}
	registry := prometheus.NewRegistry()
	b := readBuild()
	if m, err = metrics.New(registry, metrics.Options{QueueStats: st.store.QueueStats,
		Version: b.Version, Revision: b.Revision, Logger: logger}); err != nil {
		return nil, err
	}
	var tracerProvider trace.TracerProvider // nil, not a nil *TracerProvider, when off
	if c.Tracing.Endpoint != "" {
		if st.tracer, err = newTracerProvider(ctx, c.Tracing, b.Version, logger); err != nil {
			return nil, err
		}
		tracerProvider = st.tracer
	}
	client := delivery.NewClient(c.AllowPrivateNetworks, c.Workers)
	st.dispatcher = delivery.NewDispatcher(st.store, client, logger, delivery.Config{
		Workers: c.Workers, PerWebhook: c.WebhookConcurrency, PerWorkspace: c.WorkspaceConcurrency,
		SuspendAfter: suspendAfter(c.SuspendAfter), Recorded: m.Attempted, TracerProvider: tracerProvider,
	})
	st.jobs = delivery.NewJobs(st.store, logger)
	st.sweeper = delivery.NewSweeper(st.store, logger, time.Now, c.Retention, c.SuspendAfter, time.Hour)
	st.unsnoozer = delivery.NewUnsnoozer(st.store, logger, time.Now)

	catalog, err := wire.Catalog()
	if err != nil {
		return nil, err
	}
	s := st.store
	svc := httpapi.Services{
		Workspaces: s, Users: s, Messages: s, DiscoveryStates: s, Discoveries: s, Components: s, Feedback: s,
		Events: s, Webhooks: delivery.NewWebhookService(s, client), Deliveries: s, Jobs: st.jobs,
		Boards: s, Posts: s, Comments: s, Changelogs: s, Conversations: s, Ping: s.Ping,
		Requested: m.Requested, Idempotency: s, PublicURL: c.PublicURL, Listen: s, Streams: st.streams,
		TracerProvider: tracerProvider,
	}
	if c.RateLimit > 0 {
		if svc.Limiter, err = httpapi.NewRateLimiter(c.RateLimit, cmp.Or(c.RateBurst, c.RateLimit), time.Now); err != nil {
			return nil, err
		}
	}
	if svc.Portal, err = portal.New(portal.Services{
		Workspaces: s, Webhooks: svc.Webhooks, Deliveries: s, Jobs: st.jobs, Events: s, Users: s, Posts: s,
		Comments: s, Conversations: s, Attempts: s, Catalog: catalog, PublicURL: c.PublicURL, Logger: logger,
	}); err != nil {
		return nil, err
	}
	st.metrics = promhttp.HandlerFor(registry, promhttp.HandlerOpts{})
	if st.handler, err = httpapi.NewServer(logger, svc, catalog); err != nil {
		return nil, err
	}
	return st, nil
}

// suspendAfter turns the flag's "0 never suspends" into the dispatcher's negative.
func suspendAfter(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// serve runs the HTTP servers and the background workers until ctx is done. Then it
// stops both, the servers taking no new requests and the workers no new work, and waits
// for what they hold, within c.ShutdownTimeout: requests still running then are cut
// off, and abandon is called to cut short the attempts still under way (their
// deliveries are due again at the next start). Last, flush exports the spans of all
// that in what is left of the timeout; those it cannot are dropped.
func serve(ctx context.Context, c serveConfig, logger *slog.Logger, handler, metrics http.Handler, abandon func(),
	flush func(context.Context) error, workers ...func(context.Context) error) error {
	servers, err := listen(c, logger, handler, metrics)
	if err != nil {
		flush(context.WithoutCancel(ctx)) // nothing was traced yet: it only stops tracing
		return err
	}
	served := make(chan error, len(servers))
	for _, s := range servers {
		go func() { served <- s.srv.Serve(s.ln) }()
	}

	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, run := range workers {
		wg.Go(func() {
			if err := run(workCtx); err != nil {
				logger.Error("worker stopped", "error", err)
			}
		})
	}
	metricsAddr := "off"
	if len(servers) > 1 {
		metricsAddr = servers[1].ln.Addr().String()
	}
	logger.Info("listening", "addr", servers[0].ln.Addr().String(), "metrics_addr", metricsAddr,
		"database", redactDSN(c.Database), "allow_private_networks", c.AllowPrivateNetworks,
		"max_connections", c.MaxConnections, "rate_limit", c.RateLimit)

	// Whether ctx ends or a server fails, every server stops.
	var serveErr error
	pending := len(servers)
	select {
	case serveErr = <-served:
		pending--
	case <-ctx.Done():
		logger.Info("shutting down")
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.ShutdownTimeout)
	defer cancel()
	// The workers stop alongside the servers: the attempts under way share the same
	// time to finish.
	stopWork()
	workersDone := make(chan struct{})
	go func() { wg.Wait(); close(workersDone) }()
	for _, s := range servers {
		if err := s.srv.Shutdown(shutdownCtx); errors.Is(err, context.DeadlineExceeded) {
			logger.Warn("shutdown timeout: closing the connections of requests still running", "timeout", c.ShutdownTimeout)
			s.srv.Close()
		} else if err != nil && serveErr == nil {
			serveErr = fmt.Errorf("shutdown: %w", err)
		}
	}
	for ; pending > 0; pending-- {
		if err := <-served; !errors.Is(err, http.ErrServerClosed) && serveErr == nil {
			serveErr = err
		}
	}
	select {
	case <-workersDone:
	case <-shutdownCtx.Done():
		logger.Warn("shutdown timeout: cutting short the attempts still under way; their deliveries are due again at the next start",
			"timeout", c.ShutdownTimeout)
		abandon()
		<-workersDone
	}
	if err := flush(shutdownCtx); err != nil {
		logger.Warn("shutdown: spans were lost", "error", err)
	}
	if serveErr != nil {
		return fmt.Errorf("serve: %w", serveErr)
	}
	return nil
}

// boundServer is an HTTP server and the listener it serves.
type boundServer struct {
	srv *http.Server
	ln  net.Listener
}

// listen binds the API's address, behind the connection limit, and the metrics address
// unless metrics are off. The API's server comes first.
func listen(c serveConfig, logger *slog.Logger, handler, metrics http.Handler) ([]boundServer, error) {
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	limited, err := httpapi.LimitListener(ln, c.MaxConnections)
	if err != nil {
		ln.Close()
		return nil, err
	}
	api := c.httpServer(handler, logger)
	api.ConnState = limited.ConnState
	servers := []boundServer{{api, limited}}
	if metricsOff(c.MetricsAddr) {
		return servers, nil
	}
	mln, err := net.Listen("tcp", c.MetricsAddr)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("listen on --metrics-addr: %w (choose another address, or off)", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	return append(servers, boundServer{c.httpServer(mux, logger), mln}), nil
}

// redactDSN returns the database's address with its password, if any, left out, for
// the log: postgres://feedwire:xxxxx@db.internal/feedwire.
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" && u.Opaque == "" {
		if q := u.Query(); q.Has("password") { // pgx takes it in the query too
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.Redacted()
	}
	return passwordSetting.ReplaceAllString(dsn, "${1}xxxxx") // host=… password=… form
}

var passwordSetting = regexp.MustCompile(`(password\s*=\s*)('[^']*'|\S+)`)

// newLogger returns serve's logger: text (key=value) or JSON lines, from level up.
func newLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func intSetting(dst *int) func(string) error {
	return func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", s)
		}
		*dst = n
		return nil
	}
}
