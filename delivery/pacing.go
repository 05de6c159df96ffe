package delivery

import (
	"context"
	"sync"
	"time"

	"github.com/feedwire/feedwire"
)

// pacing keeps this node's deliveries to each rate-limited webhook to its limit, by the
// times they actually leave. The store gives every delivery a slot (Claim.NotBefore),
// which spaces the deliveries of every node; but a sender that starts late, behind a
// busy machine or a full queue, would then start close to the next one, and the
// receiver could count more than the limit in a second. So each delivery also waits
// its turn here: the generic cell rate algorithm again, over the times this node's
// deliveries leave, one at a time per webhook.
//
// Between nodes only the slots hold: a node whose deliveries leave later than their
// slots (by more than the limit's margin) can overlap the next slots, which another
// node sends on time, and the receiver may then count a few more than the limit in
// that second. TestRateLimitHoldsAtTheReceiver measures it.
type pacing struct {
	mu    sync.Mutex
	gates map[string]*gate // by webhook id
}

// gate is one webhook's turn: held while a delivery waits for its time to leave.
type gate struct {
	sync.Mutex
	next time.Time // the theoretical arrival time
}

// wait returns when c may be sent: not before its slot, nor before the limit allows
// after this node's previous deliveries to the webhook, nor after ctx is done.
func (p *pacing) wait(ctx context.Context, c *feedwire.Claim, now func() time.Time) {
	limit := c.Webhook.RateLimit
	if limit == nil {
		return
	}
	g := p.gate(c.Webhook.ID)
	g.Lock()
	defer g.Unlock()
	// The delivery leaves at its slot, or at its turn after the ones before it, or now
	// if both have passed. The next turn counts from when it should have left, not from
	// when the timer let it: a timer that fires late would otherwise slow every later
	// delivery, each by its own lateness.
	leave := now()
	if c.NotBefore.After(leave) {
		leave = c.NotBefore
	}
	if turn := g.next.Add(-time.Duration(limit.Burst-1) * limit.Interval()); turn.After(leave) {
		leave = turn
	}
	if wait := leave.Sub(now()); wait > 0 {
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-ctx.Done():
			return
		}
	}
	if g.next.Before(leave) {
		g.next = leave
	}
	g.next = g.next.Add(limit.Interval())
}

func (p *pacing) gate(webhookID string) *gate {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gates == nil {
		p.gates = map[string]*gate{}
	}
	g, ok := p.gates[webhookID]
	if !ok {
		g = &gate{}
		p.gates[webhookID] = g
	}
	return g
}
