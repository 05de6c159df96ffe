package delivery_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/delivery"
)

// TestRateLimitHoldsAtTheReceiver sends a burst of 1,000 events to a webhook limited to
// 200 deliveries a second, whose receiver fails every tenth delivery's first attempt,
// and to an unlimited webhook beside it. The limited receiver never counts more than
// 200 requests in any second, its retries included; every delivery arrives, none is
// dropped; the unlimited webhook gets all of its deliveries before the limited one has
// four fifths of its own. On Postgres two nodes deliver side by side and share the
// limit's slots.
func TestRateLimitHoldsAtTheReceiver(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about 6s")
	}
	const events, perSecond = 1000, 200
	ctx := context.Background()
	c := newCluster(t)
	s, nodes := c.stores[0], len(c.stores)

	limited := newArrivals(func(n int) bool { return n%10 == 0 })
	unlimited := newArrivals(func(int) bool { return false })
	limitedServer, unlimitedServer := httptest.NewServer(limited), httptest.NewServer(unlimited)
	t.Cleanup(limitedServer.Close)
	t.Cleanup(unlimitedServer.Close)

	client := delivery.NewClient(true, 8)
	webhooks := delivery.NewWebhookService(s, client)
	for _, w := range []feedwire.WebhookInput{
		{Name: "limited", URL: limitedServer.URL, RateLimit: &feedwire.RateLimit{PerSecond: perSecond}},
		{Name: "unlimited", URL: unlimitedServer.URL},
	} {
		w.Format, w.Topics, w.RetrySchedule = feedwire.FormatHarvestr, []feedwire.EventType{feedwire.MessageCreated}, []time.Duration{time.Second}
		if _, err := webhooks.CreateWebhook(ctx, c.workspace, w); err != nil {
			t.Fatal(err)
		}
	}

	var writers sync.WaitGroup
	for w := range 8 {
		writers.Go(func() {
			for i := w; i < events; i += 8 {
				c.message(t, 0, fmt.Sprintf("message %d", i))
			}
		})
	}
	writers.Wait()
	// The burst is queued before any node delivers.
	start := time.Now()
	c.deliver(t, client, delivery.Config{Workers: 64})

	limited.waitFor(t, events, time.Minute)
	unlimited.waitFor(t, events, time.Minute)

	times := limited.times()
	peak := peakPerSecond(times)
	took := times[len(times)-1].Sub(times[0])
	t.Logf("rate limit %d/s, %d node(s): %d events, %d requests at the limited receiver (%d retries) over %v, "+
		"peak %d in one second, mean %.0f/s; the unlimited webhook had all %d within %v of the start",
		perSecond, nodes, events, len(times), len(times)-events, took.Round(time.Millisecond), peak,
		float64(len(times)-1)/took.Seconds(), events, unlimited.last().Sub(start).Round(time.Millisecond))
	// One node keeps to the limit exactly. Nodes side by side share its slots, and a
	// node that falls behind its slots may overlap another's (see delivery.pacing): a
	// tenth over is the most allowed here.
	allowed := perSecond
	if nodes > 1 {
		allowed += perSecond / 10
	}
	if peak > allowed {
		t.Errorf("the receiver counted %d requests in one second, over the limit of %d (%d allowed with %d nodes)", peak, perSecond, allowed, nodes)
	}
	if len(times)-events < events/10 {
		t.Errorf("%d retries arrived, want at least %d: the failed first attempts were not retried", len(times)-events, events/10)
	}
	// Where the limit held the limited webhook back (on a machine that can send faster
	// than 200/s; under the race detector on a busy one it may not), it cost it 4s for
	// 880 requests; the webhook beside it, unlimited, must not have waited for that.
	fifth := times[len(times)*4/5]
	if rate := float64(len(times)*4/5) / fifth.Sub(times[0]).Seconds(); rate > 0.8*perSecond && unlimited.last().After(fifth) {
		t.Errorf("the unlimited webhook's last delivery arrived %v after the start, after the limited one's %d requests: slowed by it",
			unlimited.last().Sub(start), len(times)*4/5)
	}
}

// arrivals is a receiver that notes when each request arrives and fails the ones
// fail picks (by the order of their first arrival) once.
type arrivals struct {
	mu        sync.Mutex
	at        []time.Time
	seen      map[string]bool // the delivery ids that arrived
	succeeded int
	fail      func(n int) bool
	arrived   chan struct{}
}

func newArrivals(fail func(n int) bool) *arrivals {
	return &arrivals{seen: map[string]bool{}, fail: fail, arrived: make(chan struct{}, 1)}
}

func (a *arrivals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	id := r.Header.Get("Webhook-Id")
	if id == "" {
		return // the harvestr challenge of the webhook's registration: not a delivery
	}
	a.mu.Lock()
	a.at = append(a.at, now)
	failing := !a.seen[id] && a.fail(len(a.seen))
	a.seen[id] = true
	if !failing {
		a.succeeded++
	}
	a.mu.Unlock()
	select {
	case a.arrived <- struct{}{}:
	default:
	}
	if failing {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
}

// waitFor waits until n deliveries have arrived and succeeded.
func (a *arrivals) waitFor(t *testing.T, n int, limit time.Duration) {
	t.Helper()
	deadline := time.After(limit)
	for {
		a.mu.Lock()
		done := a.succeeded
		a.mu.Unlock()
		if done >= n {
			return
		}
		select {
		case <-a.arrived:
		case <-deadline:
			t.Fatalf("%d of %d deliveries arrived within %v", done, n, limit)
		}
	}
}

func (a *arrivals) times() []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.at)
}

func (a *arrivals) last() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.MaxFunc(a.at, time.Time.Compare)
}

// peakPerSecond is the most requests that arrived within any one second: for each
// arrival, how many arrived from it to just under a second later.
func peakPerSecond(times []time.Time) int {
	slices.SortFunc(times, time.Time.Compare)
	peak, j := 0, 0
	for i := range times {
		for j < len(times) && times[j].Sub(times[i]) < time.Second {
			j++
		}
		peak = max(peak, j-i)
	}
	return peak
}
