package store

import (
	"context"
	"fmt"
	"time"

	"github.com/feedwire/feedwire"
)

// Bounds of what AttemptSummaries reads.
const (
	// maxAttemptSummaries is the most attempts one call returns: enough for the
	// portal's charts of a day, few enough to read on every view of a webhook.
	maxAttemptSummaries = 20000
	// retryLookback is how long before since a delivery may have been created and
	// still be attempted after it: the default retry schedule spans about 3.5 days.
	retryLookback = 4 * 24 * time.Hour
)

// AttemptSummaries returns, newest first, the attempts made since then to the
// workspace's webhook with that id: when each started, how long it took and how it
// ended. It reads at most maxAttemptSummaries of them, and only those of deliveries
// created within retryLookback before since, so that it walks the webhook's own
// deliveries (by their time-sorted ids) rather than every attempt of the server.
func (s *Store) AttemptSummaries(ctx context.Context, workspaceID, webhookID string, since time.Time) ([]feedwire.AttemptSummary, error) {
	if _, err := s.Webhook(ctx, workspaceID, webhookID); err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT a.started_at, a.duration_us, a.outcome
		FROM deliveries d JOIN attempts a ON a.delivery_id = d.id
		WHERE d.webhook_id = ? AND d.id >= ? AND a.started_at >= ?
		ORDER BY a.started_at DESC LIMIT ?`,
		webhookID, uuidv7Floor(since.Add(-retryLookback)), millis(since), maxAttemptSummaries)
	if err != nil {
		return nil, fmt.Errorf("summarize attempts: %w", err)
	}
	defer rows.Close()
	summaries := []feedwire.AttemptSummary{}
	for rows.Next() {
		var a feedwire.AttemptSummary
		var durationUs int64
		if err := rows.Scan(timeColumn{&a.StartedAt}, &durationUs, &a.Outcome); err != nil {
			return nil, fmt.Errorf("summarize attempts: %w", err)
		}
		a.Duration = time.Duration(durationUs) * time.Microsecond
		summaries = append(summaries, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("summarize attempts: %w", err)
	}
	return summaries, nil
}

// uuidv7Floor returns the smallest text a UUIDv7 made at t or later can have: its
// first 48 bits are the Unix time in milliseconds, written first in hex, so such
// ids sort by time as text.
func uuidv7Floor(t time.Time) string {
	ms := max(t.UnixMilli(), 0)
	return fmt.Sprintf("%08x-%04x", ms>>16, ms&0xffff)
}
