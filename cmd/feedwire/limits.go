package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

const (
	// readHeaderTimeout bounds reading a request's headers, from the connection's first
	// byte (or its opening, for a new one). A client has no reason to be slow with them,
	// and a slow one holds a connection.
	readHeaderTimeout = 5 * time.Second
	// maxHeaderBytes bounds a request's headers: feedwire reads a key and a few short
	// values, so 64 KiB is generous, where net/http's default is 1 MiB.
	maxHeaderBytes = 64 << 10
)

// limits are what serve grants a client: time for a request, connections, and requests
// per API key. They are part of serveConfig, with the same flag-then-environment rule.
type limits struct {
	// ReadTimeout bounds reading a whole request, headers and body, so that a client
	// that sends its body a byte at a time is cut off. feedwire's bodies are at most
	// 256 KiB of JSON from servers, not uploads from phones. Defaults to 10s
	// (FEEDWIRE_READ_TIMEOUT); at least 5s.
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from the end of its headers to the end of its answer.
	// Defaults to 30s (FEEDWIRE_WRITE_TIMEOUT).
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that waits this long for its next
	// request. Defaults to 60s (FEEDWIRE_IDLE_TIMEOUT).
	IdleTimeout time.Duration
	// MaxConnections is how many connections the API holds open at once; when all are
	// taken, a new one closes the connection idle longest. Defaults to 1024
	// (FEEDWIRE_MAX_CONNECTIONS).
	MaxConnections int
	// RateLimit is how many requests per second each API key may make; 0 is no limit.
	// Defaults to 10000 (FEEDWIRE_RATE_LIMIT): about twice the REST writes per second
	// that feedwire bench measures on SQLite, so that a busy integration is not slowed;
	// lower it to share a busy server fairly between keys.
	RateLimit int
	// RateBurst is how many requests a key may make at once after a pause. Defaults to
	// the rate limit, one second's worth (FEEDWIRE_RATE_BURST).
	RateBurst int
}

// addFlags adds the limits' flags to fs.
func (l *limits) addFlags(fs *flagSet) {
	fs.DurationVar(&l.ReadTimeout, "read-timeout", 10*time.Second, "time to read a whole request, headers and body; at least 5s (env FEEDWIRE_READ_TIMEOUT)")
	fs.DurationVar(&l.WriteTimeout, "write-timeout", 30*time.Second, "time from a request's headers to the end of its answer (env FEEDWIRE_WRITE_TIMEOUT)")
	fs.DurationVar(&l.IdleTimeout, "idle-timeout", 60*time.Second, "close a keep-alive connection idle this long (env FEEDWIRE_IDLE_TIMEOUT)")
	fs.IntVar(&l.MaxConnections, "max-connections", 1024, "connections the API holds open at once; when all are taken, the one idle longest is closed (env FEEDWIRE_MAX_CONNECTIONS)")
	fs.IntVar(&l.RateLimit, "rate-limit", 10000, "requests per second per API key, answered 429 beyond; 0 is no limit (env FEEDWIRE_RATE_LIMIT)")
	fs.IntVar(&l.RateBurst, "rate-burst", 0, "requests per API key at once after a pause; 0 is the rate limit (env FEEDWIRE_RATE_BURST)")
}

// check refuses limits that cannot work and fills in the burst's default.
func (l *limits) check() error {
	const most = 1_000_000
	switch {
	case l.ReadTimeout < readHeaderTimeout:
		return usageError(fmt.Sprintf("serve: --read-timeout must be at least %s", readHeaderTimeout))
	case l.WriteTimeout < time.Second:
		return usageError("serve: --write-timeout must be at least 1s")
	case l.IdleTimeout < time.Second:
		return usageError("serve: --idle-timeout must be at least 1s")
	case l.MaxConnections < 1 || l.MaxConnections > most:
		return usageError("serve: --max-connections must be from 1 to 1000000")
	case l.RateLimit < 0 || l.RateLimit > most:
		return usageError("serve: --rate-limit must be from 0 (no limit) to 1000000")
	case l.RateBurst < 0 || l.RateBurst > most:
		return usageError("serve: --rate-burst must be from 0 (the rate limit) to 1000000")
	}
	if l.RateBurst == 0 {
		l.RateBurst = l.RateLimit
	}
	return nil
}

// httpServer is a server of handler with these limits' timeouts.
func (l limits) httpServer(handler http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}
