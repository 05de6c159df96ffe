package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/feedwire/feedwire/httpapi"
	"github.com/feedwire/feedwire/store"
	"github.com/feedwire/feedwire/wire"
)

// serveConfig is what serve runs with. Each field is a flag whose default comes from an
// environment variable, so flags win over the environment.
type serveConfig struct {
	// Addr is the address to listen on. Defaults to 127.0.0.1:8080 (FEEDWIRE_ADDR).
	Addr string
	// Database is the database, sqlite:PATH. Defaults to sqlite:feedwire.db in the
	// working directory (FEEDWIRE_DATABASE).
	Database string
	// ShutdownTimeout bounds how long a shutdown waits for requests in flight.
	// Defaults to 10s (FEEDWIRE_SHUTDOWN_TIMEOUT).
	ShutdownTimeout time.Duration
	// LogLevel is debug, info, warn or error. Defaults to info (FEEDWIRE_LOG_LEVEL).
	LogLevel slog.Level
}

func parseServeConfig(e env, args []string) (serveConfig, error) {
	var c serveConfig
	fs := newFlagSet(e, "serve", "Run the feedwire API. With no flags it keeps everything in feedwire.db in the working directory.",
		"  feedwire serve\n  feedwire serve --addr 0.0.0.0:8080 --database sqlite:/var/lib/feedwire/feedwire.db")
	fs.StringVar(&c.Addr, "addr", envOr(e.getenv, "FEEDWIRE_ADDR", "127.0.0.1:8080"), "address to listen on (env FEEDWIRE_ADDR)")
	database := databaseFlag(fs, e)
	timeout, err := time.ParseDuration(envOr(e.getenv, "FEEDWIRE_SHUTDOWN_TIMEOUT", "10s"))
	if err != nil {
		return c, fmt.Errorf("FEEDWIRE_SHUTDOWN_TIMEOUT: %w", err)
	}
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", timeout, "how long shutdown waits for requests in flight (env FEEDWIRE_SHUTDOWN_TIMEOUT)")
	if err := c.LogLevel.UnmarshalText([]byte(envOr(e.getenv, "FEEDWIRE_LOG_LEVEL", "info"))); err != nil {
		return c, fmt.Errorf("FEEDWIRE_LOG_LEVEL: %w", err)
	}
	fs.TextVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (env FEEDWIRE_LOG_LEVEL)")
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	c.Database = *database
	if c.ShutdownTimeout <= 0 {
		return c, usageError("serve: --shutdown-timeout must be positive")
	}
	return c, nil
}

func runServe(ctx context.Context, e env, args []string) error {
	c, err := parseServeConfig(e, args)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: c.LogLevel}))

	s, err := openStore(ctx, c.Database)
	if err != nil {
		return err
	}
	defer s.Close()
	catalog, err := wire.Catalog()
	if err != nil {
		return err
	}
	handler, err := httpapi.NewServer(logger, services(s), catalog)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String(), "database", c.Database)

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

func services(s *store.Store) httpapi.Services {
	return httpapi.Services{
		Workspaces: s, Users: s, Messages: s, DiscoveryStates: s, Discoveries: s,
		Components: s, Feedback: s, Events: s, Ping: s.Ping,
	}
}
