package delivery

import (
	"context"
	"log/slog"
	"time"

	"github.com/feedwire/feedwire"
)

// SweeperStore is the part of the store the sweeper tidies.
type SweeperStore interface {
	Prune(ctx context.Context, before time.Time) (feedwire.Pruned, error)
	SuspendFailing(ctx context.Context, before time.Time) (int, error)
}

// Sweeper does the timed work: it prunes what is older than the retention and suspends
// webhooks that have failed for too long. Only one process may run it: on SQLite that
// is the only serve process.
type Sweeper struct {
	store        SweeperStore
	logger       *slog.Logger
	now          func() time.Time
	retention    time.Duration
	suspendAfter time.Duration
	interval     time.Duration
}

// NewSweeper returns a sweeper that runs every interval.
func NewSweeper(s SweeperStore, logger *slog.Logger, now func() time.Time, retention, suspendAfter, interval time.Duration) *Sweeper {
	return &Sweeper{store: s, logger: logger, now: now, retention: retention, suspendAfter: suspendAfter, interval: interval}
}

// Run sweeps now and then every interval until ctx is done.
func (s *Sweeper) Run(ctx context.Context) error {
	ticker := time.NewTicker(s.interval)
	defer ticker.Stop()
	for {
		s.Sweep(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// Sweep does one round of the timed work.
func (s *Sweeper) Sweep(ctx context.Context) {
	now := s.now()
	pruned, err := s.store.Prune(ctx, now.Add(-s.retention))
	if err != nil && ctx.Err() == nil {
		s.logger.Error("prune", "error", err)
	}
	if pruned != (feedwire.Pruned{}) {
		s.logger.Info("pruned", "attempts", pruned.Attempts, "deliveries", pruned.Deliveries,
			"events", pruned.Events, "jobs", pruned.Jobs, "older_than", s.retention)
	}
	if pruned.Expired > 0 {
		s.logger.Warn("gave up deliveries still pending after the retention", "deliveries", pruned.Expired,
			"older_than", s.retention)
	}
	if s.suspendAfter > 0 {
		n, err := s.store.SuspendFailing(ctx, now.Add(-s.suspendAfter))
		if err != nil && ctx.Err() == nil {
			s.logger.Error("suspend failing webhooks", "error", err)
		}
		if n > 0 {
			s.logger.Warn("suspended webhooks that have failed for too long", "webhooks", n, "after", s.suspendAfter)
		}
	}
}
