package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/feedwire/feedwire/webhook"
)

// benchConfig is what feedwire bench measures with.
type benchConfig struct {
	Backlog int // deliveries in the backlog that drain_rps drains
	Workers int // delivery workers, and the bare client's connections
	// WebhookConcurrency is serve's --webhook-concurrency; the bench has one webhook.
	WebhookConcurrency int
	Writers            int           // concurrent REST clients for ingest_rps
	Rate               int           // events per second while latency is measured
	LatencyFor         time.Duration // how long latency is measured
	ContentSize        int           // bytes of message content, sizing each payload near 1 KiB
}

// benchReport is the result of one run, printed as a table and as JSON.
type benchReport struct {
	Database     string         `json:"database"`
	CPUs         int            `json:"cpus"`
	GoVersion    string         `json:"go"`
	Workers      int            `json:"workers"`
	PayloadBytes int            `json:"payload_bytes"`
	Backlog      int            `json:"backlog"`
	RawHTTPRPS   float64        `json:"raw_http_rps"`
	IngestRPS    float64        `json:"ingest_rps"`
	DrainRPS     float64        `json:"drain_rps"`
	DrainRatio   float64        `json:"drain_ratio"`
	Latency      latencyReport  `json:"latency_ms"`
	Config       map[string]any `json:"config"`
}

// latencyReport is the time from sending a REST write to its delivery's arrival at
// the receiver, in milliseconds, at a fixed rate of writes. It bounds commit→arrival
// from above: it also holds the API request and the commit.
type latencyReport struct {
	Rate   int     `json:"rate"`
	Events int     `json:"events"`
	P50    float64 `json:"p50"`
	P90    float64 `json:"p90"`
	P99    float64 `json:"p99"`
	Max    float64 `json:"max"`
}

func runBench(ctx context.Context, e env, args []string) error {
	var c benchConfig
	fs := newFlagSet(e, "bench", "Measure feedwire on this machine (DESIGN §8): it starts feedwire on a temporary SQLite\n"+
		"database and a receiver on 127.0.0.1, and reports, in one run, the bare HTTP ceiling\n"+
		"(raw_http_rps), REST writes per second (ingest_rps), deliveries per second draining a\n"+
		"backlog (drain_rps) and write→arrival latency at a fixed rate. It prints a table on\n"+
		"stderr and the report as JSON on stdout.",
		"  feedwire bench\n  feedwire bench --backlog 100000 --workers 64")
	fs.IntVar(&c.Backlog, "backlog", 20000, "deliveries in the backlog drained for drain_rps")
	fs.IntVar(&c.Workers, "workers", 128, "delivery workers, and the bare client's connections")
	fs.IntVar(&c.WebhookConcurrency, "webhook-concurrency", 0, "attempts of the bench's one webhook at once; 0 is serve's default, half of --workers")
	fs.IntVar(&c.Writers, "writers", 32, "concurrent REST clients writing for ingest_rps")
	fs.IntVar(&c.Rate, "rate", 500, "events per second while latency is measured")
	fs.DurationVar(&c.LatencyFor, "latency-for", 5*time.Second, "how long latency is measured")
	fs.IntVar(&c.ContentSize, "content-size", 560, "bytes of each message's content (sizes the payload)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case c.Backlog < 1 || c.Backlog > 10_000_000:
		return usageError("bench: --backlog must be from 1 to 10000000")
	case c.Workers < 1 || c.Workers > 4096:
		return usageError("bench: --workers must be from 1 to 4096")
	case c.WebhookConcurrency < 0 || c.WebhookConcurrency > c.Workers:
		return usageError("bench: --webhook-concurrency must be from 0 to --workers")
	case c.Writers < 1 || c.Writers > 1024:
		return usageError("bench: --writers must be from 1 to 1024")
	case c.Rate < 1 || c.Rate > 100_000:
		return usageError("bench: --rate must be from 1 to 100000")
	case c.LatencyFor < 100*time.Millisecond || c.LatencyFor > time.Hour:
		return usageError("bench: --latency-for must be from 100ms to 1h")
	case c.ContentSize < 0 || c.ContentSize > 1<<20:
		return usageError("bench: --content-size must be from 0 to 1048576")
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	report, err := bench(ctx, c, e.stderr)
	if err != nil {
		return err
	}
	printBenchTable(e.stderr, report)
	out := json.NewEncoder(e.stdout)
	out.SetIndent("", "  ")
	return out.Encode(report)
}

// bench runs feedwire and a receiver in this process and measures them, in order: the
// ingest of a backlog with the dispatcher stopped, the bare client's ceiling against
// the same receiver, the drain of the backlog, and latency at a fixed rate.
func bench(ctx context.Context, c benchConfig, progress io.Writer) (*benchReport, error) {
	dir, err := os.MkdirTemp("", "feedwire-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	logger := slog.New(slog.NewTextHandler(progress, &slog.HandlerOptions{Level: slog.LevelWarn}))
	sc := serveConfig{Database: "sqlite:" + filepath.Join(dir, "bench.db"), AllowPrivateNetworks: true,
		Workers: c.Workers, WebhookConcurrency: c.WebhookConcurrency, Retention: 720 * time.Hour, SuspendAfter: 120 * time.Hour}
	st, err := newStack(ctx, sc, logger)
	if err != nil {
		return nil, err
	}
	defer st.store.Close()
	api, err := listenLocal(st.handler)
	if err != nil {
		return nil, err
	}
	defer api.Close()
	rcv, err := startBenchReceiver()
	if err != nil {
		return nil, err
	}
	defer rcv.Close()
	_, key, err := st.store.CreateAPIKey(ctx, "bench")
	if err != nil {
		return nil, err
	}
	cl := &apiClient{base: "http://" + api.Addr, key: key.Secret, http: localClient(c.Writers)}

	r := &benchReport{Database: "sqlite", CPUs: runtime.NumCPU(), GoVersion: runtime.Version(),
		Workers: c.Workers, Backlog: c.Backlog, Latency: latencyReport{Rate: c.Rate},
		Config: map[string]any{"writers": c.Writers, "latency_for": c.LatencyFor.String(), "content_size": c.ContentSize}}
	var wh struct {
		Secret string `json:"secret"`
	}
	if err := cl.do(ctx, "POST", "/v1/webhooks", map[string]any{"name": "bench", "url": rcv.url,
		"format": "harvestr", "topics": []string{"MESSAGE_CREATED"}}, &wh); err != nil {
		return nil, fmt.Errorf("create the webhook: %w", err)
	}
	var user struct {
		ID string `json:"id"`
	}
	if err := cl.do(ctx, "POST", "/v1/users", map[string]any{"name": "Bench", "type": "customer"}, &user); err != nil {
		return nil, fmt.Errorf("create a user: %w", err)
	}
	content := strings.Repeat("x", c.ContentSize)
	message := func(title string) map[string]any {
		return map[string]any{"title": title, "content": content, "channel": "MAIL",
			"requesterId": user.ID, "submitterId": user.ID}
	}

	fmt.Fprintf(progress, "ingest: %d messages through the REST API, delivery stopped\n", c.Backlog)
	start := time.Now()
	if err := writeMessages(ctx, cl, c.Backlog, c.Writers, func(i int) map[string]any { return message(fmt.Sprintf("backlog %d", i)) }); err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	r.IngestRPS = perSecond(c.Backlog, time.Since(start))

	payload, err := firstPayload(ctx, cl)
	if err != nil {
		return nil, err
	}
	r.PayloadBytes = len(payload)
	fmt.Fprintf(progress, "raw: %d signed %d-byte POSTs from a bare client, %d connections\n", c.Backlog, len(payload), c.Workers)
	if r.RawHTTPRPS, err = rawHTTP(ctx, rcv.url, payload, wh.Secret, c.Backlog, c.Workers); err != nil {
		return nil, fmt.Errorf("raw: %w", err)
	}

	fmt.Fprintf(progress, "drain: %d deliveries\n", c.Backlog)
	rcv.reset()
	workCtx, stopWork := context.WithCancel(ctx)
	dispatched := make(chan error, 1)
	start = time.Now()
	go func() { dispatched <- st.dispatcher.Run(workCtx) }()
	defer func() {
		stopWork()
		<-dispatched
	}()
	if err := waitDrained(ctx, rcv, st.store.QueueDepth, c.Backlog); err != nil {
		return nil, fmt.Errorf("drain: %w", err)
	}
	r.DrainRPS = perSecond(c.Backlog, time.Since(start))
	r.DrainRatio = round(r.DrainRPS/r.RawHTTPRPS, 3)

	fmt.Fprintf(progress, "latency: %d writes per second for %s\n", c.Rate, c.LatencyFor)
	if r.Latency, err = measureLatency(ctx, cl, rcv, c.Rate, c.LatencyFor, message); err != nil {
		return nil, fmt.Errorf("latency: %w", err)
	}
	return r, nil
}

// perSecond is a rate, rounded to a tenth: more digits would only be noise.
func perSecond(n int, d time.Duration) float64 { return round(float64(n)/d.Seconds(), 1) }

func round(x float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(x*p) / p
}

func printBenchTable(w io.Writer, r *benchReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\nfeedwire bench: %s, %d CPUs, %s, %d workers, %d-byte payloads\n\n", r.Database, r.CPUs, r.GoVersion, r.Workers, r.PayloadBytes)
	fmt.Fprintf(tw, "metric\tvalue\twhat\n")
	fmt.Fprintf(tw, "raw_http_rps\t%.0f\tbare Go client, keep-alive, signed POSTs to the receiver: this machine's ceiling\n", r.RawHTTPRPS)
	fmt.Fprintf(tw, "ingest_rps\t%.0f\tREST writes, each committing a message, its event and its delivery\n", r.IngestRPS)
	fmt.Fprintf(tw, "drain_rps\t%.0f\tdeliveries of a %d backlog: claim, sign, POST, record the attempt\n", r.DrainRPS, r.Backlog)
	fmt.Fprintf(tw, "drain_ratio\t%.3f\tdrain_rps / raw_http_rps\n", r.DrainRatio)
	l := r.Latency
	fmt.Fprintf(tw, "latency_ms\t%.1f / %.1f / %.1f / %.1f\tp50 / p90 / p99 / max, REST write sent → delivery arrived, %d/s, %d events\n",
		l.P50, l.P90, l.P99, l.Max, l.Rate, l.Events)
	tw.Flush()
	fmt.Fprintln(w)
}

// listenLocal serves handler on a free port of 127.0.0.1.
func listenLocal(handler http.Handler) (*localServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return &localServer{Server: srv, Addr: ln.Addr().String()}, nil
}

type localServer struct {
	*http.Server
	Addr string
}

// localClient is a keep-alive client with room for conns idle connections to one host.
func localClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy: nil, MaxIdleConns: conns, MaxIdleConnsPerHost: conns, DisableCompression: true,
	}}
}

// apiClient calls feedwire's REST API.
type apiClient struct {
	base, key string
	http      *http.Client
}

// do sends body as JSON and decodes a 2xx answer into out, if out is not nil.
func (c *apiClient) do(ctx context.Context, method, path string, body, out any) error {
	var reqBody io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reqBody = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, reqBody)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, msg)
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// writeMessages creates n messages from several clients at once; it stops at the
// first failure.
func writeMessages(ctx context.Context, cl *apiClient, n, clients int, message func(i int) map[string]any) error {
	var next atomic.Int64
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for i := int(next.Add(1)); i <= n; i = int(next.Add(1)) {
				if err := cl.do(ctx, "POST", "/v1/messages", message(i), nil); err != nil {
					errs <- err
					next.Store(int64(n)) // the others stop too
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// firstPayload returns the wire payload of the newest event: a real delivery body.
func firstPayload(ctx context.Context, cl *apiClient) ([]byte, error) {
	var events struct {
		Data []struct {
			Payload json.RawMessage `json:"payload"`
		} `json:"data"`
	}
	if err := cl.do(ctx, "GET", "/v1/events?limit=1", nil, &events); err != nil {
		return nil, err
	}
	if len(events.Data) == 0 || len(events.Data[0].Payload) == 0 {
		return nil, errors.New("the event log has no payload to replay")
	}
	var compact bytes.Buffer
	err := json.Compact(&compact, events.Data[0].Payload)
	return compact.Bytes(), err
}

// rawHTTP POSTs the payload n times from conns connections, signed as feedwire signs a
// harvestr delivery, and returns the POSTs per second.
func rawHTTP(ctx context.Context, url string, payload []byte, secret string, n, conns int) (float64, error) {
	client := localClient(conns)
	defer client.CloseIdleConnections()
	headers, err := harvestrHeaders(payload, secret, time.Now())
	if err != nil {
		return 0, err
	}
	var next atomic.Int64
	var failed atomic.Value
	start := time.Now()
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for int(next.Add(1)) <= n {
				if err := post(ctx, client, url, payload, headers); err != nil {
					failed.Store(err)
					next.Store(int64(n))
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return 0, err
	}
	return perSecond(n, time.Since(start)), nil
}

// harvestrHeaders are the headers feedwire sends with a harvestr delivery.
func harvestrHeaders(payload []byte, secret string, now time.Time) (http.Header, error) {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	err := webhook.SignHeaders(h, webhook.FormatHarvestr, "bench", "msg_bench", payload, now, secret)
	return h, err
}

func post(ctx context.Context, client *http.Client, url string, payload []byte, headers http.Header) error {
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header = headers.Clone()
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("receiver answered %s", resp.Status)
	}
	return nil
}

// waitDrained waits until the receiver has n deliveries and the queue is empty, that
// is until every attempt is also recorded.
func waitDrained(ctx context.Context, rcv *benchReceiver, queueDepth func(context.Context) (int, error), n int) error {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for rcv.count.Load() < int64(n) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	for {
		depth, err := queueDepth(ctx)
		if err != nil || depth == 0 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// measureLatency writes at a fixed rate for a while, open loop, and returns the time
// from sending each write to its delivery's arrival.
func measureLatency(ctx context.Context, cl *apiClient, rcv *benchReceiver, rate int, d time.Duration, message func(string) map[string]any) (latencyReport, error) {
	n := int(float64(rate) * d.Seconds())
	sent := make([]time.Time, n)
	rcv.watch("latency ")
	errs := make(chan error, n)
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		sent[i] = time.Now()
		wg.Go(func() {
			if err := cl.do(ctx, "POST", "/v1/messages", message(fmt.Sprintf("latency %d", i)), nil); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return latencyReport{}, err
	}
	arrived, err := rcv.waitWatched(ctx, n, 30*time.Second)
	if err != nil {
		return latencyReport{}, err
	}
	ms := make([]float64, n)
	for i := range n {
		ms[i] = round(float64(arrived[fmt.Sprintf("latency %d", i)].Sub(sent[i]))/float64(time.Millisecond), 2)
	}
	slices.Sort(ms)
	q := func(p float64) float64 { return ms[min(n-1, int(p*float64(n)))] }
	return latencyReport{Rate: rate, Events: n, P50: q(0.50), P90: q(0.90), P99: q(0.99), Max: ms[n-1]}, nil
}

// benchReceiver is the endpoint every request of the benchmark goes to. It reads and
// decodes each body, as a real receiver would, counts the requests, and notes when the
// deliveries whose message title has the watched prefix arrive.
type benchReceiver struct {
	*localServer
	url   string
	count atomic.Int64

	mu      sync.Mutex
	prefix  string
	arrived map[string]time.Time
}

func startBenchReceiver() (*benchReceiver, error) {
	r := &benchReceiver{arrived: map[string]time.Time{}}
	srv, err := listenLocal(http.HandlerFunc(r.serveHTTP))
	if err != nil {
		return nil, err
	}
	r.localServer, r.url = srv, "http://"+srv.Addr+"/webhooks"
	return r, nil
}

func (r *benchReceiver) serveHTTP(w http.ResponseWriter, req *http.Request) {
	var body struct {
		Data struct {
			Title string `json:"title"`
		} `json:"data"`
	}
	if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	now := time.Now()
	r.count.Add(1)
	r.mu.Lock()
	if r.prefix != "" && strings.HasPrefix(body.Data.Title, r.prefix) {
		if _, seen := r.arrived[body.Data.Title]; !seen {
			r.arrived[body.Data.Title] = now
		}
	}
	r.mu.Unlock()
}

func (r *benchReceiver) reset() { r.count.Store(0) }

// watch starts noting the arrival of deliveries whose title starts with prefix.
func (r *benchReceiver) watch(prefix string) {
	r.mu.Lock()
	r.prefix, r.arrived = prefix, map[string]time.Time{}
	r.mu.Unlock()
}

// waitWatched waits for n watched deliveries and returns their arrival times by title.
func (r *benchReceiver) waitWatched(ctx context.Context, n int, timeout time.Duration) (map[string]time.Time, error) {
	deadline := time.Now().Add(timeout)
	for {
		r.mu.Lock()
		got := len(r.arrived)
		r.mu.Unlock()
		if got >= n {
			r.mu.Lock()
			defer r.mu.Unlock()
			return r.arrived, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("only %d of %d deliveries arrived within %s", got, n, timeout)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}
