package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/feedwire/feedwire"
)

// claimHorizon is how far ahead a claim takes a rate-limited webhook's deliveries: those
// whose slots come within it. Each waits in the dispatcher for its slot, holding a
// sender for at most this long; a shorter horizon means more claims for a fast limit.
const claimHorizon = 50 * time.Millisecond

// slotLead is the earliest a slot may be after the claim that gives it: about the time
// the claim takes to commit and hand its deliveries to senders. A slot any sooner
// would be past when its delivery could leave.
const slotLead = 25 * time.Millisecond

// pace is where a rate-limited webhook's pacing stands: the generic cell rate
// algorithm, whose theoretical arrival time, next, moves one interval further with each
// delivery. A delivery may go at next less the burst's tolerance, so Burst of them go
// at once after a quiet spell and then one per interval.
type pace struct {
	limit feedwire.RateLimit
	next  time.Time
}

func (p *pace) tolerance() time.Duration {
	return time.Duration(p.limit.Burst-1) * p.limit.Interval()
}

// slot returns when the next delivery may go, at the earliest at now.
func (p *pace) slot(now time.Time) time.Time {
	if s := p.next.Add(-p.tolerance()); s.After(now) {
		return s
	}
	return now
}

// take gives the next delivery its slot and moves the pace past it.
func (p *pace) take(now time.Time) time.Time {
	slot := p.slot(now)
	if p.next.Before(now) {
		p.next = now
	}
	p.next = p.next.Add(p.limit.Interval())
	return slot
}

// fit counts how many of n deliveries get a slot before now+claimHorizon, and returns
// the slot of the first that does not (zero when all do).
func (p pace) fit(now time.Time, n int) (int, time.Time) {
	for i := range n {
		if slot := p.take(now); slot.After(now.Add(claimHorizon)) {
			return i, slot
		}
	}
	return n, time.Time{}
}

// paceDue reads, and on Postgres locks, the pace of each due webhook that has a rate
// limit, and lets it take no more deliveries than fit in the claim's horizon. When that
// leaves some due, it notes in out when the next slot comes within the horizon, so the
// dispatcher claims again then. Paces are locked in the order of their webhooks' ids,
// so that claims of several nodes never wait for each other in a circle.
func paceDue(ctx context.Context, tx *txn, due []feedwire.DueWebhook, limits map[string]feedwire.RateLimit, now time.Time, out *feedwire.Claimed) (map[string]*pace, error) {
	if len(limits) == 0 {
		return nil, nil
	}
	paces := map[string]*pace{}
	for _, id := range slices.Sorted(maps.Keys(limits)) {
		p, err := lockPace(ctx, tx, id, limits[id])
		if err != nil {
			return nil, fmt.Errorf("claim deliveries: %w", err)
		}
		paces[id] = p
	}
	for i := range due {
		p, ok := paces[due[i].ID]
		if !ok {
			continue
		}
		if fit, next := p.fit(now, due[i].Due); fit < due[i].Due {
			due[i].Due = fit
			out.ClaimBy(next.Add(-claimHorizon))
		}
	}
	return paces, nil
}

// lockPace reads the webhook's pace, locked on Postgres until the transaction ends.
func lockPace(ctx context.Context, tx *txn, webhookID string, limit feedwire.RateLimit) (*pace, error) {
	// The upsert takes the row's lock (a plain SELECT … FOR UPDATE would find no row to
	// lock before the first claim), and leaves the pace as it was.
	var next int64
	err := tx.QueryRowContext(ctx, `INSERT INTO webhook_pacing (webhook_id, next_slot) VALUES (?, 0)
		ON CONFLICT (webhook_id) DO UPDATE SET next_slot = webhook_pacing.next_slot RETURNING next_slot`, webhookID).Scan(&next)
	if err != nil {
		return nil, fmt.Errorf("pace of webhook %s: %w", webhookID, err)
	}
	return &pace{limit: limit, next: time.UnixMicro(next)}, nil
}

func savePace(ctx context.Context, tx *txn, webhookID string, p *pace) error {
	_, err := tx.ExecContext(ctx, `UPDATE webhook_pacing SET next_slot = ? WHERE webhook_id = ?`, p.next.UnixMicro(), webhookID)
	if err != nil {
		return fmt.Errorf("pace of webhook %s: %w", webhookID, err)
	}
	return nil
}

// giveSlots gives each claim of a rate-limited webhook its slot, and stores where each
// pace then stands.
func giveSlots(ctx context.Context, tx *txn, claims []*feedwire.Claim, paces map[string]*pace, now time.Time) error {
	taken := map[string]bool{}
	for _, c := range claims {
		if p, ok := paces[c.Delivery.WebhookID]; ok {
			c.NotBefore = p.take(now)
			taken[c.Delivery.WebhookID] = true
		}
	}
	for id := range taken {
		if err := savePace(ctx, tx, id, paces[id]); err != nil {
			return fmt.Errorf("claim deliveries: %w", err)
		}
	}
	return nil
}
