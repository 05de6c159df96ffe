package delivery_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/delivery"
	"github.com/feedwire/feedwire/internal/testpg"
	"github.com/feedwire/feedwire/store"
)

// clock is a test clock that moves only when told to, or the real clock when real.
type clock struct {
	mu   sync.Mutex
	now  time.Time
	real bool
}

func (c *clock) Now() time.Time {
	if c.real {
		return time.Now()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// request is what a receiver got.
type request struct {
	header http.Header
	body   []byte
	at     time.Time // by the test clock
}

// receiver is an httptest endpoint. It answers the harvestr challenge with 200 and
// every delivery with what answer says, counting from 1.
type receiver struct {
	*httptest.Server
	clock      *clock
	answer     func(n int, w http.ResponseWriter)
	mu         sync.Mutex
	n          int
	got        chan request
	challenges chan request
}

func newReceiver(t *testing.T, c *clock, answer func(n int, w http.ResponseWriter)) *receiver {
	t.Helper()
	r := &receiver{clock: c, answer: answer, got: make(chan request, 100), challenges: make(chan request, 10)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		got := request{header: req.Header.Clone(), body: body, at: c.Now()}
		if strings.HasPrefix(string(body), `{"challenge":`) {
			r.challenges <- got
			return
		}
		r.mu.Lock()
		r.n++
		n := r.n
		r.mu.Unlock()
		if r.answer != nil {
			r.answer(n, w)
		}
		r.got <- got
	}))
	t.Cleanup(r.Close)
	return r
}

// next waits for the receiver's next delivery.
func (r *receiver) next(t *testing.T) request {
	t.Helper()
	select {
	case got := <-r.got:
		return got
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery arrived within 10s")
	}
	return request{}
}

// fixture is a store, a dispatcher running on it, and a workspace.
type fixture struct {
	store      *store.Store
	clock      *clock
	dispatcher *delivery.Dispatcher
	webhooks   *delivery.WebhookService
	jobs       *delivery.Jobs
	workspace  string
	recorded   chan feedwire.AttemptResult
	user       string
	// stop cancels the dispatcher and the job runner and waits for them to return.
	stop func()
}

type options struct {
	allowPrivate bool
	suspendAfter time.Duration
	realClock    bool // for the few tests that need the dispatcher's own timing
	resolver     *net.Resolver
	// perWebhook and perWorkspace are the dispatcher's bounds; 0 is its default.
	perWebhook, perWorkspace int
	tracerProvider           trace.TracerProvider // nil: no tracing
	// queue, when set, is the dispatcher's queue in place of the store.
	queue func(*store.Store) delivery.Queue
}

func setup(t *testing.T, opts options) *fixture {
	t.Helper()
	ctx := context.Background()
	c := &clock{now: time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC), real: opts.realClock}
	var dispatcher *delivery.Dispatcher
	dsn, key := testpg.NewDatabase(t)
	s, err := store.Open(ctx, dsn, store.Options{
		Now: c.Now, SecretKey: key,
		AfterCommit: func(_ []feedwire.EventType, deliveries int) {
			if deliveries > 0 {
				dispatcher.Wake()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: s, clock: c, recorded: make(chan feedwire.AttemptResult, 1000)}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	client := delivery.NewClient(opts.allowPrivate, 8, delivery.WithResolver(opts.resolver))
	var queue delivery.Queue = s
	if opts.queue != nil {
		queue = opts.queue(s)
	}
	dispatcher = delivery.NewDispatcher(queue, client, logger, delivery.Config{
		Workers: 8, PerWebhook: opts.perWebhook, PerWorkspace: opts.perWorkspace, Now: c.Now, SuspendAfter: opts.suspendAfter,
		TracerProvider: opts.tracerProvider,
		Recorded: func(batch []feedwire.AttemptResult) {
			for _, r := range batch {
				f.recorded <- r
			}
		},
	})
	f.dispatcher = dispatcher
	f.webhooks = delivery.NewWebhookService(s, client)
	f.jobs = delivery.NewJobs(s, logger)
	runCtx, cancel := context.WithCancel(ctx)
	var running sync.WaitGroup
	running.Go(func() { dispatcher.Run(runCtx) })
	running.Go(func() { f.jobs.Run(runCtx) })
	var once sync.Once
	f.stop = func() { once.Do(func() { cancel(); running.Wait() }) }
	t.Cleanup(f.stop)

	ws, _, err := s.CreateAPIKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	f.workspace = ws.ID
	u, err := s.CreateUser(ctx, ws.ID, feedwire.UserInput{Name: "Ada", Type: feedwire.UserCustomer})
	if err != nil {
		t.Fatal(err)
	}
	f.user = u.ID
	return f
}

// webhook registers a webhook of the format, for MESSAGE_CREATED in harvestr and
// post.created in featurebase.
func (f *fixture) webhook(t *testing.T, format feedwire.Format, url string, schedule ...time.Duration) *feedwire.Webhook {
	t.Helper()
	topics := []feedwire.EventType{feedwire.MessageCreated}
	if format == feedwire.FormatFeaturebase {
		topics = []feedwire.EventType{"post.created"}
	}
	w, err := f.webhooks.CreateWebhook(context.Background(), f.workspace, feedwire.WebhookInput{
		Name: "test", URL: url, Format: format, Topics: topics, RetrySchedule: schedule,
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// message creates a message, which emits MESSAGE_CREATED.
func (f *fixture) message(t *testing.T) *feedwire.Message {
	t.Helper()
	m, err := f.store.CreateMessage(context.Background(), f.workspace, feedwire.MessageInput{
		Title: "Export to PDF", Content: "Please", Channel: "MAIL", RequesterID: f.user, SubmitterID: f.user,
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// attempt waits for the next recorded attempt.
func (f *fixture) attempt(t *testing.T) feedwire.AttemptResult {
	t.Helper()
	select {
	case r := <-f.recorded:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no attempt was recorded within 10s")
	}
	return feedwire.AttemptResult{}
}

// advance moves the clock and tells the dispatcher, as a commit would.
func (f *fixture) advance(d time.Duration) {
	f.clock.Advance(d)
	f.dispatcher.Wake()
}

func (f *fixture) delivery(t *testing.T, id string) *feedwire.Delivery {
	t.Helper()
	d, err := f.store.Delivery(context.Background(), f.workspace, id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func decodeID(t *testing.T, body []byte) string {
	t.Helper()
	var env struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return env.ID
}

// receiverServer is a plain httptest server for tests that only need its answers.
type receiverServer struct{ *httptest.Server }

func newTestServer(h http.HandlerFunc) *httptest.Server { return httptest.NewServer(h) }
