package feedwire

import (
	"context"
	"fmt"
	"time"
)

// ListenService serves the event streams of `feedwire listen`: the workspace's events as
// they are committed, each sent as the request a webhook of its format would receive,
// signed with a secret that stays the same for an API key.
type ListenService interface {
	// ListenSession returns the signing secret and webhook id of the streams opened with
	// apiKey: the same every time for that key, and no other key's.
	ListenSession(apiKey string) (*ListenSession, error)
	// EventsAfter returns up to limit of the workspace's events whose ids sort after
	// afterID, oldest first; test events are left out.
	EventsAfter(ctx context.Context, workspaceID, afterID string, limit int) ([]Event, error)
}

// ListenSession is who a listen stream's deliveries come from.
type ListenSession struct {
	// Secret signs every delivery of the stream, as a webhook's secret does.
	Secret string
	// WebhookID stands for the webhook's id in the bodies and signatures, as if the
	// stream were a webhook.
	WebhookID string
}

// EventIDFloor returns the smallest event id of time t: every event created at t or
// later has a greater id, since event ids are UUIDv7s, which begin with their time in
// milliseconds.
func EventIDFloor(t time.Time) string {
	ms := uint64(max(t.UnixMilli(), 0))
	return fmt.Sprintf("%08x-%04x-0000-0000-000000000000", ms>>16, ms&0xffff)
}
