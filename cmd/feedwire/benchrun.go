package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the throwaway database
)

// benchRun is one run of feedwire bench: feedwire and a receiver in this process, and
// what the phases share.
type benchRun struct {
	c        benchConfig
	st       *stack
	api      *localServer
	rcv      *benchReceiver
	progress io.Writer
	report   *benchReport
	content  string

	stopWork   context.CancelFunc // stops delivery
	dispatched chan error         // what the dispatcher's Run returned
}

// startDelivery runs the dispatcher until stopDelivery.
func (b *benchRun) startDelivery(ctx context.Context) {
	workCtx, stop := context.WithCancel(ctx)
	b.stopWork, b.dispatched = stop, make(chan error, 1)
	go func() { b.dispatched <- b.st.dispatcher.Run(workCtx) }()
}

// stopDelivery stops the dispatcher once its attempts under way are recorded.
func (b *benchRun) stopDelivery() error {
	if b.stopWork == nil {
		return nil
	}
	b.stopWork()
	b.stopWork = nil
	return <-b.dispatched
}

// bench runs the phases in order: ingest a backlog with delivery stopped, the bare
// client's ceiling against the same receiver, the drain of the backlog, latency at a
// fixed rate, the sustained rate, fan-out, and a large backlog's memory and drain.
func bench(ctx context.Context, c benchConfig, progress io.Writer) (*benchReport, error) {
	database, engine, cleanup, err := benchDatabase(ctx, c.Database)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	secretKey := make([]byte, 32)
	rand.Read(secretKey)
	logger := slog.New(slog.NewTextHandler(progress, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := newStack(ctx, serveConfig{Database: database, AllowPrivateNetworks: true, Workers: c.Workers,
		WebhookConcurrency: c.WebhookConcurrency, Retention: 720 * time.Hour, SuspendAfter: 120 * time.Hour,
		SecretKey: hex.EncodeToString(secretKey), MaxWebhooks: 100}, logger)
	if err != nil {
		return nil, err
	}
	defer st.store.Close()
	b := &benchRun{c: c, st: st, progress: progress, report: newReport(c, engine), content: strings.Repeat("x", c.ContentSize)}
	if b.api, err = listenLocal(st.handler); err != nil {
		return nil, err
	}
	defer b.api.Close()
	if b.rcv, err = startBenchReceiver(); err != nil {
		return nil, err
	}
	defer b.rcv.Close()

	defer b.stopDelivery()

	if err := b.phases(ctx); err != nil {
		return nil, err
	}
	if c.ProfileDir != "" {
		if err := writeProfile(filepath.Join(c.ProfileDir, "allocs.pprof"), "allocs"); err != nil {
			return nil, err
		}
	}
	return b.report, nil
}

func (b *benchRun) phases(ctx context.Context) error {
	main, err := b.workspace(ctx, "bench")
	if err != nil {
		return err
	}
	var payload []byte
	var secret string
	steps := []struct {
		name string
		skip bool
		run  func() error
	}{
		{"ingest", false, func() (err error) { secret, err = b.ingest(ctx, main); return err }},
		{"raw", false, func() (err error) {
			if payload, err = firstPayload(ctx, main.client); err != nil {
				return err
			}
			b.report.PayloadBytes = len(payload)
			b.report.RawHTTPRPS, err = rawHTTP(ctx, b.rcv.url, payload, secret, b.c.Events, b.c.Workers)
			return err
		}},
		{"drain", false, func() error { return b.drain(ctx) }},
		{"latency", false, func() (err error) {
			b.report.Latency, _, err = b.openLoop(ctx, main, "latency", b.c.Rate, b.c.Duration)
			return err
		}},
		{"sustain", b.c.SustainFor == 0, func() error { return b.sustain(ctx, main) }},
		{"fanout", b.c.Fanout == 0, func() error { return b.fanout(ctx) }},
		{"backlog", b.c.Backlog == 0, func() error { return b.backlog(ctx) }},
	}
	for _, step := range steps {
		if step.skip {
			continue
		}
		start := time.Now()
		if err := b.profiled(step.name, step.run); err != nil {
			return fmt.Errorf("%s: %w", step.name, err)
		}
		b.report.Phases = append(b.report.Phases, phaseDuration{step.name, round(time.Since(start).Seconds(), 2)})
	}
	return nil
}

// profiled runs a phase, writing its CPU profile when --profile is set.
func (b *benchRun) profiled(name string, run func() error) error {
	if b.c.ProfileDir == "" {
		return run()
	}
	if err := os.MkdirAll(b.c.ProfileDir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(b.c.ProfileDir, "cpu-"+name+".pprof"))
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	return run()
}

func writeProfile(path, name string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup(name).WriteTo(f, 0)
}

// benchWorkspace is a workspace of the run: a client with its key, and a user to write
// messages as.
type benchWorkspace struct {
	client *apiClient
	userID string
}

func (b *benchRun) workspace(ctx context.Context, name string) (*benchWorkspace, error) {
	_, key, err := b.st.store.CreateAPIKey(ctx, name)
	if err != nil {
		return nil, err
	}
	w := &benchWorkspace{client: &apiClient{base: "http://" + b.api.Addr, key: key.Secret, http: localClient(512)}}
	var user struct {
		ID string `json:"id"`
	}
	if err := w.client.do(ctx, "POST", "/v1/users", map[string]any{"name": "Bench", "type": "customer"}, &user); err != nil {
		return nil, fmt.Errorf("create a user: %w", err)
	}
	w.userID = user.ID
	return w, nil
}

func (b *benchRun) message(w *benchWorkspace, title string) map[string]any {
	return map[string]any{"title": title, "content": b.content, "channel": "MAIL",
		"requesterId": w.userID, "submitterId": w.userID}
}

// createWebhooks makes n webhooks of the workspace to the receiver, for new messages,
// and returns their ids and the first one's secret.
func (b *benchRun) createWebhooks(ctx context.Context, w *benchWorkspace, n int) (ids []string, secret string, err error) {
	for i := range n {
		var wh struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		}
		if err := w.client.do(ctx, "POST", "/v1/webhooks", map[string]any{"name": fmt.Sprintf("bench %d", i),
			"url": b.rcv.url, "format": "harvestr", "topics": []string{"MESSAGE_CREATED"}}, &wh); err != nil {
			return nil, "", fmt.Errorf("create a webhook: %w", err)
		}
		ids = append(ids, wh.ID)
		secret = cmp.Or(secret, wh.Secret)
	}
	return ids, secret, nil
}

// ingest writes the events with delivery stopped, for ingest_rps, and leaves their
// deliveries queued for the drain.
func (b *benchRun) ingest(ctx context.Context, w *benchWorkspace) (secret string, err error) {
	if _, secret, err = b.createWebhooks(ctx, w, 1); err != nil {
		return "", err
	}
	fmt.Fprintf(b.progress, "ingest: %d messages through the REST API from %d clients, delivery stopped\n", b.c.Events, b.c.Writers)
	start := time.Now()
	err = writeMessages(ctx, w.client, b.c.Events, b.c.Writers, func(i int) map[string]any { return b.message(w, fmt.Sprintf("backlog %d", i)) })
	b.report.IngestRPS = perSecond(b.c.Events, time.Since(start))
	return secret, err
}

func (b *benchRun) drain(ctx context.Context) error {
	fmt.Fprintf(b.progress, "drain: %d deliveries\n", b.c.Events)
	before := b.rcv.count.Load()
	start := time.Now()
	b.startDelivery(ctx)
	if err := waitDrained(ctx, b.rcv, before+int64(b.c.Events), b.st.store.QueueDepth); err != nil {
		return err
	}
	b.report.DrainRPS = perSecond(b.c.Events, time.Since(start))
	b.report.DrainRatio = round(b.report.DrainRPS/b.report.RawHTTPRPS, 3)
	return nil
}

// openLoop writes messages titled "prefix i" at a fixed rate for d, each on time
// whether or not the previous ones were answered, as real traffic comes, and measures
// the time from each write's sending to its delivery's arrival. backlogEnd is how many
// had not arrived when the last was sent.
func (b *benchRun) openLoop(ctx context.Context, w *benchWorkspace, prefix string, rate int, d time.Duration) (_ latencyReport, backlogEnd int, err error) {
	n := max(1, int(float64(rate)*d.Seconds()))
	fmt.Fprintf(b.progress, "%s: %d writes per second for %s\n", prefix, rate, d)
	prefix += " "
	b.rcv.watch(prefix)
	sent := make([]time.Time, n)
	var failed atomic.Int64
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		sent[i] = time.Now()
		wg.Go(func() {
			if err := w.client.do(ctx, "POST", "/v1/messages", b.message(w, fmt.Sprintf("%s%d", prefix, i)), nil); err != nil {
				failed.Add(1)
			}
		})
	}
	backlogEnd = n - b.rcv.watched()
	wg.Wait()
	accepted := n - int(failed.Load())
	arrived := b.rcv.waitWatched(ctx, accepted, 30*time.Second)
	ms := make([]float64, 0, n)
	for i := range n {
		if a, ok := arrived[fmt.Sprintf("%s%d", prefix, i)]; ok {
			ms = append(ms, round(float64(a.first.Sub(sent[i]))/float64(time.Millisecond), 2))
		}
	}
	if len(ms) == 0 {
		return latencyReport{}, n, errors.New("no delivery arrived")
	}
	slices.Sort(ms)
	q := func(p float64) float64 { return ms[min(len(ms)-1, int(p*float64(len(ms))))] }
	return latencyReport{Rate: rate, Events: n, Failed: n - len(ms), P50: q(0.50), P90: q(0.90), P99: q(0.99), Max: ms[len(ms)-1]},
		backlogEnd, nil
}

// sustain looks for the highest rate of writes whose deliveries keep up for
// --sustain-for: it starts near the lower of ingest_rps and drain_rps, goes up by a
// quarter while a rate holds and down by a quarter until one does, four tries at most.
func (b *benchRun) sustain(ctx context.Context, w *benchWorkspace) error {
	rate := b.c.SustainRate
	if rate == 0 {
		rate = int(0.8 * min(b.report.IngestRPS, b.report.DrainRPS))
	}
	s := &sustainReport{Seconds: b.c.SustainFor.Seconds()}
	b.report.Sustained = s
	for try := range 4 {
		rate = max(10, rate/10*10)
		lat, backlogEnd, err := b.openLoop(ctx, w, fmt.Sprintf("sustain %d", try), rate, b.c.SustainFor)
		if err != nil {
			return err
		}
		t := sustainTry{Rate: rate, BacklogEnd: backlogEnd, Latency: lat,
			DeliveredPS: perSecond(lat.Events-backlogEnd, b.c.SustainFor)}
		t.Held = lat.Failed == 0 && backlogEnd <= rate && lat.P99 < 1000
		s.Tries = append(s.Tries, t)
		switch {
		case t.Held:
			b.report.SustainedRPS = float64(max(int(b.report.SustainedRPS), rate))
			rate = rate * 5 / 4
		case b.report.SustainedRPS > 0:
			return nil // the rate above the highest held fell behind
		default:
			rate = rate * 3 / 4
		}
		if err := waitDrained(ctx, b.rcv, 0, b.st.store.QueueDepth); err != nil {
			return err
		}
	}
	return nil
}

// fanout times one write's delivery to many webhooks of another workspace, a few
// times, until the last arrives.
func (b *benchRun) fanout(ctx context.Context) error {
	w, err := b.workspace(ctx, "bench-fanout")
	if err != nil {
		return err
	}
	if _, _, err := b.createWebhooks(ctx, w, b.c.Fanout); err != nil {
		return err
	}
	const trials = 5
	fmt.Fprintf(b.progress, "fanout: %d writes, one at a time, each to %d webhooks\n", trials, b.c.Fanout)
	var ms []float64
	for i := range trials {
		title := fmt.Sprintf("fanout %d", i)
		b.rcv.watch(title)
		sent := time.Now()
		if err := w.client.do(ctx, "POST", "/v1/messages", b.message(w, title), nil); err != nil {
			return err
		}
		last, err := b.rcv.waitCount(ctx, title, b.c.Fanout, 30*time.Second)
		if err != nil {
			return err
		}
		ms = append(ms, round(float64(last.Sub(sent))/float64(time.Millisecond), 2))
	}
	slices.Sort(ms)
	b.report.Fanout = &fanoutReport{Webhooks: b.c.Fanout, Trials: trials, MedianMS: ms[trials/2], MaxMS: ms[trials-1]}
	return nil
}

// backlog builds a large backlog for webhooks of another workspace with delivery
// stopped, as when their receivers are down and nothing leaves, then starts delivery and
// times the drain. Memory is sampled throughout.
func (b *benchRun) backlog(ctx context.Context) error {
	w, err := b.workspace(ctx, "bench-backlog")
	if err != nil {
		return err
	}
	ids, _, err := b.createWebhooks(ctx, w, b.c.BacklogWebhooks)
	if err != nil {
		return err
	}
	events := (b.c.Backlog + len(ids) - 1) / len(ids)
	deliveries := events * len(ids)
	r := &backlogReport{Deliveries: deliveries, Webhooks: len(ids)}
	b.report.Backlog = r
	if err := b.stopDelivery(); err != nil {
		return err
	}
	runtime.GC()
	debug.FreeOSMemory()
	stopSampling := sampleRSS(&r.PeakRSSMB)
	defer stopSampling()

	fmt.Fprintf(b.progress, "backlog: %d messages to %d webhooks, %d deliveries, delivery stopped\n", events, len(ids), deliveries)
	start := time.Now()
	if err := writeMessages(ctx, w.client, events, b.c.Writers, func(i int) map[string]any { return b.message(w, fmt.Sprintf("held %d", i)) }); err != nil {
		return err
	}
	r.BuildS = round(time.Since(start).Seconds(), 1)

	fmt.Fprintf(b.progress, "backlog: delivery started, draining\n")
	before := b.rcv.count.Load()
	start = time.Now()
	b.startDelivery(ctx)
	if err := waitDrained(ctx, b.rcv, before+int64(deliveries), b.st.store.QueueDepth); err != nil {
		return err
	}
	r.DrainRPS = perSecond(deliveries, time.Since(start))
	r.DrainShare = round(r.DrainRPS/b.report.DrainRPS, 2)
	stopSampling()
	return nil
}

// sampleRSS notes this process's peak resident memory, in MB, every 20 ms until the
// returned function is called.
func sampleRSS(peakMB *float64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if rss := residentBytes(); float64(rss)/1e6 > *peakMB {
				*peakMB = round(float64(rss)/1e6, 1)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return sync.OnceFunc(func() {
		close(done)
		wg.Wait()
	})
}

// residentBytes is this process's resident memory, from /proc; 0 where there is none.
func residentBytes() int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok { // "VmRSS:   93012 kB"
			kb, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// benchDatabase returns the database a run uses: a new SQLite file in a temporary
// directory, or a new database on the Postgres server that dsn names, dropped after.
func benchDatabase(ctx context.Context, dsn string) (database, engine string, cleanup func(), err error) {
	if dsn == "sqlite" {
		dir, err := os.MkdirTemp("", "feedwire-bench-")
		if err != nil {
			return "", "", nil, err
		}
		return "sqlite:" + filepath.Join(dir, "bench.db"), "sqlite", func() { os.RemoveAll(dir) }, nil
	}
	server, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", "", nil, err
	}
	suffix := make([]byte, 6)
	rand.Read(suffix)
	name := "feedwire_bench_" + hex.EncodeToString(suffix)
	if _, err := server.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		server.Close()
		return "", "", nil, fmt.Errorf("create a throwaway database on %s: %w", redactURL(dsn), err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		server.Close()
		return "", "", nil, err
	}
	u.Path = "/" + name
	cleanup = func() {
		server.ExecContext(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)")
		server.Close()
	}
	return u.String(), "postgres", cleanup, nil
}

// redactURL hides a URL's password, for messages.
func redactURL(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "the server"
	}
	return u.Redacted()
}
