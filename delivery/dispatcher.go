// Package delivery sends feedwire's webhooks: it claims due deliveries from the store,
// signs and POSTs them, records every attempt, and schedules what comes next. It also
// runs the harvestr challenge, the background jobs (recover, replay) and the sweeper
// (retention), and guards every outbound connection against private addresses.
package delivery

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

// Queue is the part of the store the dispatcher works from: the deliveries table.
type Queue interface {
	ClaimDeliveries(ctx context.Context, req feedwire.ClaimRequest) (*feedwire.Claimed, error)
	RecordAttempts(ctx context.Context, results []feedwire.AttemptResult, suspendAfter time.Duration) error
	ReleaseLeases(ctx context.Context, now time.Time) (int, error)
	ReleaseOwnLeases(ctx context.Context, now time.Time) (int, error)
}

// Config tunes a Dispatcher. The zero value of each field means its default.
type Config struct {
	// Workers is how many attempts run at once. Defaults to 128.
	Workers int
	// PerWebhook is how many attempts of one webhook run at once. Defaults to half
	// the workers, so that an endpoint that hangs leaves its workspace's other webhooks
	// a share of their own. (A quarter cost a single busy webhook a third of its
	// throughput in feedwire bench; half, a quarter.)
	PerWebhook int
	// PerWorkspace is how many attempts of one workspace run at once. Defaults to
	// three quarters of the workers, so that another workspace always finds some free.
	PerWorkspace int
	// Lease is how long a claimed delivery stays claimed; if its worker has not
	// recorded an attempt by then, the delivery is due again. It must outlast the
	// longest webhook timeout. Defaults to 60s.
	Lease time.Duration
	// SuspendAfter suspends a webhook that has had no success for this long since it
	// started failing. Defaults to 120h (5 days); negative never suspends.
	SuspendAfter time.Duration
	// PollInterval bounds how long the dispatcher sleeps when it knows of nothing due;
	// commits wake it sooner. Defaults to 30s.
	PollInterval time.Duration
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
	// Recorded, when set, is called after each batch of attempts is committed, with
	// a copy of the batch. Metrics count attempts with it.
	Recorded func([]feedwire.AttemptResult)
	// TracerProvider, when set, traces every attempt in a client span of its own. The
	// spans go to the tracing backend only: no header of theirs reaches the receiver.
	// Defaults to tracing nothing.
	TracerProvider trace.TracerProvider
}

func (c *Config) setDefaults() {
	if c.Workers <= 0 {
		c.Workers = 128
	}
	if c.PerWebhook <= 0 {
		c.PerWebhook = max(1, c.Workers/2)
	}
	if c.PerWorkspace <= 0 {
		c.PerWorkspace = max(1, c.Workers*3/4)
	}
	if c.Lease <= 0 {
		c.Lease = 60 * time.Second
	}
	if c.SuspendAfter == 0 {
		c.SuspendAfter = 120 * time.Hour
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 30 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.TracerProvider == nil {
		c.TracerProvider = noop.NewTracerProvider()
	}
}

// maxBatch bounds the deliveries claimed, and the attempts recorded, per transaction.
const maxBatch = 256

// Dispatcher delivers the deliveries that are due: it claims them in batches under a
// lease, hands them to a bounded pool of senders, and records their attempts in batches
// (group commit). Wake makes it look for due deliveries at once.
type Dispatcher struct {
	queue  Queue
	client *http.Client
	logger *slog.Logger
	config Config
	now    func() time.Time
	tracer trace.Tracer
	pacing pacing
	wake   chan struct{}
	// abandoned ends when Abandon is called: every attempt under way is cut short,
	// and left unrecorded for its lease to be released.
	abandoned context.Context
	abandon   context.CancelFunc
	bodies    wire.Renderer // keeps the parsed templates of template webhooks
}

// NewDispatcher returns a dispatcher that sends with client.
func NewDispatcher(queue Queue, client *http.Client, logger *slog.Logger, config Config) *Dispatcher {
	config.setDefaults()
	abandoned, abandon := context.WithCancel(context.Background())
	return &Dispatcher{
		queue: queue, client: client, logger: logger, config: config, now: config.Now,
		tracer: config.TracerProvider.Tracer(tracerName),
		wake:   make(chan struct{}, 1), abandoned: abandoned, abandon: abandon,
	}
}

// Abandon cuts short the attempts under way, when shutdown cannot wait for them: they
// are not recorded, and their deliveries are released when Run returns (due again at
// once, for the next start or another node). Run must still be waited for.
func (d *Dispatcher) Abandon() { d.abandon() }

// Wake tells the dispatcher that deliveries may be due. It never blocks.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is done, then lets the attempts under way finish and records
// them before it returns.
func (d *Dispatcher) Run(ctx context.Context) error {
	if n, err := d.queue.ReleaseLeases(ctx, d.now()); err != nil {
		return err
	} else if n > 0 {
		d.logger.Info("released the leases of a previous run", "deliveries", n)
	}
	results := make(chan feedwire.AttemptResult, d.config.Workers)
	recorded := make(chan struct{})
	go func() {
		d.record(results)
		close(recorded)
	}()
	var senders sync.WaitGroup
	if n := d.dispatch(ctx, results, &senders); n > 0 {
		d.logger.Info("stopping: waiting for the attempts under way", "attempts", n)
	}
	senders.Wait()
	close(results)
	<-recorded
	// Every attempt has ended and been recorded; what this node still leases (a record
	// that failed) is given back now rather than when its lease runs out. After Abandon
	// shutdown is already late, and a store that does not answer must not hold it: the
	// release gets a second, and what it leaves, the next start or the leases' end frees.
	wait := 10 * time.Second
	if d.abandoned.Err() != nil {
		wait = time.Second
	}
	releaseCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), wait)
	defer cancel()
	if n, err := d.queue.ReleaseOwnLeases(releaseCtx, d.now()); err != nil {
		d.logger.Error("release this node's leases", "error", err)
	} else if n > 0 {
		d.logger.Info("released this node's leases", "deliveries", n)
	}
	return nil
}

// dispatch claims deliveries and hands them to the senders until ctx is done, and
// returns how many were then claimed and not yet attempted or under way.
//
// It claims ahead: besides the attempts under way, up to Workers claimed deliveries
// wait in ready for the next free sender. A claim is a write transaction, and waiting
// for it with every sender idle, then for every attempt with the store idle, left each
// half unused; claimed ahead, the next batch is at hand when a sender frees up, and the
// claim runs while the attempts do. Claims also take up to PerWebhook more of a
// webhook than its bound lets attempt at once: those wait as spares, holding no
// sender, and each attempt that ends hands its slot to the next (see slots).
func (d *Dispatcher) dispatch(ctx context.Context, results chan<- feedwire.AttemptResult, senders *sync.WaitGroup) int {
	ready := make(chan leased, d.config.Workers)
	defer close(ready)
	freed := make(chan struct{}, 1)
	var underWay underWay
	slots := newSlots(d.config.PerWebhook, d.config.PerWorkspace, d.config.Lease/4)
	for range d.config.Workers {
		senders.Go(func() {
			for l := range ready {
				for {
					took := d.deliver(ctx, l, results)
					slots.noteAttempt(l.claim.Delivery.WebhookID, took)
					underWay.add(l.claim, -1)
					select {
					case freed <- struct{}{}:
					default:
					}
					next, ok := slots.done(l.claim)
					if !ok {
						break
					}
					l = next // a spare that the slot just freed lets go: attempted at once
				}
			}
		})
	}
	for ctx.Err() == nil {
		room := 2*d.config.Workers - underWay.total()
		claimed := &feedwire.Claimed{}
		if room > 0 {
			var err error
			now := d.now()
			claimed, err = d.queue.ClaimDeliveries(ctx, feedwire.ClaimRequest{
				Now: now, Limit: min(room, maxBatch), Lease: d.config.Lease,
				// Room for a webhook's spares, and for its workspace to hold them.
				PerWebhook: 2 * d.config.PerWebhook, PerWorkspace: d.config.PerWorkspace + d.config.PerWebhook,
				InFlight: slots.withoutSpares(underWay.snapshot()),
			})
			if err != nil {
				if ctx.Err() == nil {
					d.logger.Error("claim deliveries", "error", err)
				}
				claimed = &feedwire.Claimed{Next: d.now().Add(time.Second)} // try again soon
			}
			for _, c := range claimed.Claims {
				underWay.add(c, 1)
				if l := (leased{claim: c, until: now.Add(d.config.Lease)}); slots.admit(l) {
					ready <- l
				}
			}
			if len(claimed.Claims) == min(room, maxBatch) {
				continue // there may be more due right now
			}
		}
		// With room for no more, or deliveries due but held back by a concurrency
		// bound, an attempt finishing is what makes room.
		d.sleep(ctx, claimed.Next, room <= 0 || claimed.Held, freed)
	}
	return underWay.total()
}

// deliver attempts a claimed delivery and hands its result to the recorder, unless
// shutdown began or its lease is too near its end. It returns how long the attempt
// took, zero when there was none.
func (d *Dispatcher) deliver(ctx context.Context, l leased, results chan<- feedwire.AttemptResult) time.Duration {
	c := l.claim
	d.pacing.wait(ctx, c, d.now)
	switch {
	case ctx.Err() != nil:
		// Shutdown began: a delivery not yet attempted is left to ReleaseOwnLeases
		// rather than attempted.
	case !d.now().Add(c.Webhook.Timeout).Before(l.until):
		// It waited so long behind attempts that hang that its lease could end before
		// its attempt did, and another claim send it again. Left alone, it is due
		// again when the lease ends. (A spare waits for its webhook's own attempts,
		// so one of a webhook whose endpoint hangs does, as expected.)
		level := slog.LevelWarn
		if l.spare {
			level = slog.LevelDebug
		}
		d.logger.Log(ctx, level, "a claimed delivery waited too long for a sender; it is due again when its lease ends",
			"delivery", c.Delivery.ID, "webhook", c.Delivery.WebhookID)
	default:
		result := d.attempt(c)
		if d.abandoned.Err() == nil {
			results <- result
		} // else cut short by Abandon: its lease is released when Run ends
		return result.Attempt.Duration
	}
	return 0
}

// leased is a claimed delivery waiting for a sender, with when its lease ends.
type leased struct {
	claim *feedwire.Claim
	until time.Time
	spare bool // it waited for a slot of its webhook or workspace
}

// slots bounds the attempts under way at once, or handed to a sender, of each webhook
// (PerWebhook) and each workspace (PerWorkspace). A claimed delivery without a slot
// waits as a spare; an attempt that ends hands its slot to a spare of its webhook, or
// else of another webhook of its workspace. So a busy webhook's attempts follow each
// other at once rather than each waiting for a claim, which is a write transaction
// queued behind the records of attempts: with the spares counted against the bounds
// as before, about 100 of 128 senders waited for claims in feedwire bench.
//
// A webhook whose last attempt took slow or more gets no spares: a spare waits for
// one of its webhook's attempts and then has its own to make within its lease, and
// those of an endpoint that hangs for its whole timeout would only wait to be skipped.
type slots struct {
	mu                       sync.Mutex
	perWebhook, perWorkspace int
	byWebhook, byWorkspace   map[string]int      // slots taken
	spares                   map[string][]leased // by webhook, in the order claimed
	slow                     time.Duration
	slowWebhooks             map[string]bool // whose last attempt took slow or more
}

func newSlots(perWebhook, perWorkspace int, slow time.Duration) *slots {
	return &slots{perWebhook: perWebhook, perWorkspace: perWorkspace, slow: slow,
		byWebhook: map[string]int{}, byWorkspace: map[string]int{}, spares: map[string][]leased{},
		slowWebhooks: map[string]bool{}}
}

// noteAttempt notes how long an attempt of the webhook took; zero when there was none.
func (s *slots) noteAttempt(webhookID string, took time.Duration) {
	if took == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if took >= s.slow {
		s.slowWebhooks[webhookID] = true
	} else {
		delete(s.slowWebhooks, webhookID)
	}
}

// withoutSpares returns what is under way with each slow webhook counted as if its
// spares were taken, so that a claim takes none for it.
func (s *slots) withoutSpares(inFlight feedwire.InFlight) feedwire.InFlight {
	s.mu.Lock()
	defer s.mu.Unlock()
	if inFlight.ByWebhook == nil {
		inFlight.ByWebhook = map[string]int{}
	}
	for webhookID := range s.slowWebhooks {
		inFlight.ByWebhook[webhookID] += s.perWebhook
	}
	return inFlight
}

// admit gives l a slot and reports true, or keeps it as a spare and reports false.
func (s *slots) admit(l leased) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.free(l.claim) {
		s.take(l.claim, 1)
		return true
	}
	webhookID := l.claim.Delivery.WebhookID
	l.spare = true
	s.spares[webhookID] = append(s.spares[webhookID], l)
	return false
}

// done gives back the slot of c, whose attempt ended, and returns the spare it lets go,
// if any, with the slot taken for it.
func (s *slots) done(c *feedwire.Claim) (leased, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.take(c, -1)
	if l, ok := s.letGo(c.Delivery.WebhookID); ok {
		return l, true
	}
	for webhookID, waiting := range s.spares { // a spare held back by the workspace's bound
		if waiting[0].claim.Delivery.WorkspaceID == c.Delivery.WorkspaceID {
			if l, ok := s.letGo(webhookID); ok {
				return l, true
			}
		}
	}
	return leased{}, false
}

// letGo takes a slot for the webhook's first spare and returns it, if both bounds let it.
func (s *slots) letGo(webhookID string) (leased, bool) {
	waiting := s.spares[webhookID]
	if len(waiting) == 0 || !s.free(waiting[0].claim) {
		return leased{}, false
	}
	l := waiting[0]
	if len(waiting) == 1 {
		delete(s.spares, webhookID)
	} else {
		s.spares[webhookID] = waiting[1:]
	}
	s.take(l.claim, 1)
	return l, true
}

func (s *slots) free(c *feedwire.Claim) bool {
	return s.byWebhook[c.Delivery.WebhookID] < s.perWebhook && s.byWorkspace[c.Delivery.WorkspaceID] < s.perWorkspace
}

func (s *slots) take(c *feedwire.Claim, n int) {
	count(s.byWebhook, c.Delivery.WebhookID, n)
	count(s.byWorkspace, c.Delivery.WorkspaceID, n)
}

// underWay counts the deliveries claimed and not yet attempted or under way, by
// webhook and by workspace, for the concurrency bounds of the next claim.
type underWay struct {
	mu       sync.Mutex
	inFlight feedwire.InFlight
	claimed  int // in all
}

func (u *underWay) add(c *feedwire.Claim, n int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.inFlight.ByWebhook == nil {
		u.inFlight = feedwire.InFlight{ByWebhook: map[string]int{}, ByWorkspace: map[string]int{}}
	}
	count(u.inFlight.ByWebhook, c.Delivery.WebhookID, n)
	count(u.inFlight.ByWorkspace, c.Delivery.WorkspaceID, n)
	u.claimed += n
}

// total returns how many deliveries are claimed and not yet done with.
func (u *underWay) total() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.claimed
}

// count adds n to m[key], keeping no zero counts, so the maps hold only what is under way.
func count(m map[string]int, key string, n int) {
	if m[key] += n; m[key] == 0 {
		delete(m, key)
	}
}

func (u *underWay) snapshot() feedwire.InFlight {
	u.mu.Lock()
	defer u.mu.Unlock()
	return feedwire.InFlight{ByWebhook: maps.Clone(u.inFlight.ByWebhook), ByWorkspace: maps.Clone(u.inFlight.ByWorkspace)}
}

// sleep waits until something may be due: a wake-up, the next due time (zero: none
// known), a freed worker when waitForFreed, or the poll interval.
func (d *Dispatcher) sleep(ctx context.Context, next time.Time, waitForFreed bool, freed <-chan struct{}) {
	wait := d.config.PollInterval
	if !next.IsZero() {
		wait = min(wait, max(next.Sub(d.now()), time.Millisecond))
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	var freedOrNil <-chan struct{}
	if waitForFreed {
		freedOrNil = freed
	}
	select {
	case <-ctx.Done():
	case <-d.wake:
	case <-freedOrNil:
		// One attempt ended. Under load more end every millisecond: waiting a moment
		// for them lets the next claim, a write transaction, take a batch rather than
		// the one delivery this attempt made room for.
		gather := time.NewTimer(claimGather)
		defer gather.Stop()
		select {
		case <-ctx.Done():
		case <-d.wake:
		case <-gather.C:
		}
	case <-timer.C:
	}
}

// claimGather is how long a claim waits, after a worker is freed, for more to be: long
// enough to gather several under load, short beside any delivery's latency. (2 ms
// left a webhook's slots idle between claims: 0.5 ms drained a fifth faster in
// feedwire bench, with claims of about 25 deliveries rather than 30.)
const claimGather = 500 * time.Microsecond

// record commits finished attempts in batches: it takes whatever has arrived while the
// previous batch was being written, so that batches grow with the load.
func (d *Dispatcher) record(results <-chan feedwire.AttemptResult) {
	batch := make([]feedwire.AttemptResult, 0, maxBatch)
	for r := range results {
		batch = append(batch[:0], r)
	more:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-results:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		d.commit(batch)
	}
}

// commit records one batch. If it cannot, the attempts are lost but their deliveries
// are not: their leases run out and they are attempted again. Abandon cuts a commit
// short too, so that a store that does not answer cannot hold shutdown.
func (d *Dispatcher) commit(batch []feedwire.AttemptResult) {
	ctx, cancel := context.WithTimeout(d.abandoned, 30*time.Second)
	defer cancel()
	if err := d.queue.RecordAttempts(ctx, batch, d.config.SuspendAfter); err != nil {
		d.logger.Error("record attempts; their deliveries will be attempted again when their leases end",
			"attempts", len(batch), "error", err)
		return
	}
	retries, ordered := false, false
	for _, r := range batch {
		ordered = ordered || r.Claim.Webhook.Ordering == feedwire.OrderingFIFO
		switch r.Attempt.Outcome {
		case feedwire.OutcomeRetry:
			retries = true
		case feedwire.OutcomeSuspended:
			d.logger.Warn("webhook suspended", "webhook", r.Attempt.WebhookID, "status", r.Attempt.ResponseStatus,
				"error", r.Attempt.ErrorMessage)
		}
	}
	if retries || ordered {
		// The dispatcher may be asleep until these deliveries' leases would have ended;
		// their retries are likely sooner, and a FIFO webhook's next delivery may go as
		// soon as the one before it is recorded.
		d.Wake()
	}
	if d.config.Recorded != nil {
		d.config.Recorded(slices.Clone(batch))
	}
}
