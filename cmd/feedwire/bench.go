package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// benchConfig is what feedwire bench measures with.
type benchConfig struct {
	Database string // "sqlite", or a Postgres server's URL to make a throwaway database on
	Events   int    // events ingested, then drained, and the bare client's POSTs
	Workers  int    // delivery workers, and the bare client's connections
	// WebhookConcurrency is serve's --webhook-concurrency.
	WebhookConcurrency int
	Writers            int           // concurrent REST clients for ingest_rps
	Rate               int           // events per second while latency is measured
	Duration           time.Duration // how long latency is measured
	SustainFor         time.Duration // how long a rate must hold for sustained_rps; 0 skips
	SustainRate        int           // the first rate tried for sustained_rps; 0 guesses
	Fanout             int           // webhooks one event fans out to; 0 skips
	Backlog            int           // deliveries in the backlog whose memory is measured; 0 skips
	BacklogWebhooks    int           // webhooks the backlog is spread over
	ContentSize        int           // bytes of message content, sizing each payload
	ProfileDir         string        // where each phase's CPU profile goes, when set
}

// benchReport is the result of one run, printed as a table or as JSON.
type benchReport struct {
	Database     string          `json:"database"`
	CPUs         int             `json:"cpus"`
	GoVersion    string          `json:"go"`
	Workers      int             `json:"workers"`
	PayloadBytes int             `json:"payload_bytes"`
	Events       int             `json:"events"`
	RawHTTPRPS   float64         `json:"raw_http_rps"`
	IngestRPS    float64         `json:"ingest_rps"`
	DrainRPS     float64         `json:"drain_rps"`
	DrainRatio   float64         `json:"drain_ratio"`
	Latency      latencyReport   `json:"latency_ms"`
	Sustained    *sustainReport  `json:"sustained,omitempty"`
	SustainedRPS float64         `json:"sustained_rps"`
	Fanout       *fanoutReport   `json:"fanout,omitempty"`
	Backlog      *backlogReport  `json:"backlog,omitempty"`
	Phases       []phaseDuration `json:"phases"`
	Config       map[string]any  `json:"config"`
}

// latencyReport is the time from sending a REST write to its delivery's arrival at
// the receiver, in milliseconds, at a fixed rate of writes. It bounds commit→arrival
// from above: it also holds the API request and the commit.
type latencyReport struct {
	Rate   int     `json:"rate"`
	Events int     `json:"events"`
	Failed int     `json:"failed"` // writes refused or lost; a good run has none
	P50    float64 `json:"p50"`
	P90    float64 `json:"p90"`
	P99    float64 `json:"p99"`
	Max    float64 `json:"max"`
}

// sustainReport is the search for the highest rate of writes whose deliveries keep
// up: each rate tried, and whether it held.
type sustainReport struct {
	Seconds float64      `json:"seconds"`
	Tries   []sustainTry `json:"tries"`
}

// sustainTry is one rate held for a while: it held when every write was accepted, the
// backlog at the end was under a second's worth of writes and the p99 from write to
// arrival stayed under a second.
type sustainTry struct {
	Rate        int           `json:"rate"`
	Held        bool          `json:"held"`
	BacklogEnd  int           `json:"backlog_end"` // writes sent but not yet arrived when the time was up
	Latency     latencyReport `json:"latency_ms"`
	DeliveredPS float64       `json:"delivered_rps"`
}

// fanoutReport is the time from sending one write to the arrival of its delivery at
// the last of many webhooks.
type fanoutReport struct {
	Webhooks int     `json:"webhooks"`
	Trials   int     `json:"trials"`
	MedianMS float64 `json:"median_ms"`
	MaxMS    float64 `json:"max_ms"`
}

// backlogReport is a large backlog built with delivery stopped (as when receivers are
// down), then drained.
type backlogReport struct {
	Deliveries int     `json:"deliveries"`
	Webhooks   int     `json:"webhooks"`
	BuildS     float64 `json:"build_s"` // time to ingest its events
	// PeakRSSMB is the whole bench process's peak resident memory while the backlog
	// was built, held and drained: feedwire, the receiver and the clients together.
	PeakRSSMB  float64 `json:"peak_rss_mb"`
	DrainRPS   float64 `json:"drain_rps"`
	DrainShare float64 `json:"drain_vs_drain_rps"` // DrainRPS / the report's drain_rps
}

// phaseDuration is how long a phase of the run took.
type phaseDuration struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

func runBench(ctx context.Context, e env, args []string) error {
	var c benchConfig
	fs := newFlagSet(e, "bench", "Measure feedwire on this machine (DESIGN §8). It starts feedwire on a throwaway\n"+
		"database (SQLite, or a new database on the Postgres server --database names) and a\n"+
		"receiver on 127.0.0.1, and measures in one run: the bare HTTP ceiling (raw_http_rps),\n"+
		"REST writes per second (ingest_rps), deliveries per second draining a backlog\n"+
		"(drain_rps), write→arrival latency at a fixed rate, the highest rate that ingest and\n"+
		"delivery hold together (sustained_rps), one event fanned out to many webhooks, and a\n"+
		"large backlog's memory and drain. It prints a table, or the report as JSON with --json;\n"+
		"progress goes to stderr.",
		"  feedwire bench\n  feedwire bench --json > report.json\n  feedwire bench --database postgres://postgres@127.0.0.1:5432/postgres\n"+
			"  feedwire bench --events 2000 --sustain-for 3s --backlog 20000   # a quick run")
	fs.StringVar(&c.Database, "database", "sqlite", "sqlite, or postgres://… of a server the bench may create a throwaway database on")
	fs.IntVar(&c.Events, "events", 20000, "events ingested and then drained, and the bare client's POSTs")
	fs.IntVar(&c.Workers, "workers", 128, "delivery workers, and the bare client's connections")
	fs.IntVar(&c.WebhookConcurrency, "webhook-concurrency", 0, "attempts of one webhook at once; 0 is serve's default, half of --workers")
	fs.IntVar(&c.Writers, "writers", 32, "concurrent REST clients writing for ingest_rps")
	fs.IntVar(&c.Rate, "rate", 2000, "events per second while latency is measured")
	fs.DurationVar(&c.Duration, "duration", 5*time.Second, "how long latency is measured")
	fs.DurationVar(&c.SustainFor, "sustain-for", 30*time.Second, "how long a rate must hold for sustained_rps; 0 skips it")
	fs.IntVar(&c.SustainRate, "sustain-rate", 0, "the first rate tried for sustained_rps; 0 starts from ingest and drain")
	fs.IntVar(&c.Fanout, "fanout", 100, "webhooks one event fans out to; 0 skips it")
	fs.IntVar(&c.Backlog, "backlog", 1_000_000, "deliveries in the backlog whose memory and drain are measured; 0 skips it")
	fs.IntVar(&c.BacklogWebhooks, "backlog-webhooks", 10, "webhooks the backlog is spread over, each event going to all")
	fs.IntVar(&c.ContentSize, "content-size", 560, "bytes of each message's content (560 makes payloads near 1 KiB)")
	fs.StringVar(&c.ProfileDir, "profile", "", "write each phase's CPU profile, and the allocations of the run, to this directory")
	asJSON := fs.Bool("json", false, "print the report as JSON instead of a table")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := c.check(); err != nil {
		return err
	}
	report, err := bench(ctx, c, e.stderr)
	if err != nil {
		return err
	}
	if *asJSON {
		out := json.NewEncoder(e.stdout)
		out.SetIndent("", "  ")
		return out.Encode(report)
	}
	printBenchTable(e.stdout, report)
	return nil
}

func (c benchConfig) check() error {
	switch {
	case c.Database != "sqlite" && !strings.HasPrefix(c.Database, "postgres://") && !strings.HasPrefix(c.Database, "postgresql://"):
		return usageError("bench: --database must be sqlite or a postgres:// URL")
	case c.Events < 1 || c.Events > 10_000_000:
		return usageError("bench: --events must be from 1 to 10000000")
	case c.Workers < 1 || c.Workers > 4096:
		return usageError("bench: --workers must be from 1 to 4096")
	case c.WebhookConcurrency < 0 || c.WebhookConcurrency > c.Workers:
		return usageError("bench: --webhook-concurrency must be from 0 to --workers")
	case c.Writers < 1 || c.Writers > 1024:
		return usageError("bench: --writers must be from 1 to 1024")
	case c.Rate < 1 || c.Rate > 100_000:
		return usageError("bench: --rate must be from 1 to 100000")
	case c.Duration < 100*time.Millisecond || c.Duration > time.Hour:
		return usageError("bench: --duration must be from 100ms to 1h")
	case c.SustainFor != 0 && (c.SustainFor < 100*time.Millisecond || c.SustainFor > time.Hour):
		return usageError("bench: --sustain-for must be 0 or from 100ms to 1h")
	case c.SustainRate < 0 || c.SustainRate > 100_000:
		return usageError("bench: --sustain-rate must be from 0 to 100000")
	case c.Fanout < 0 || c.Fanout > 100:
		return usageError("bench: --fanout must be from 0 to 100, the most webhooks a workspace may have")
	case c.Backlog < 0 || c.Backlog > 10_000_000:
		return usageError("bench: --backlog must be from 0 to 10000000")
	case c.BacklogWebhooks < 1 || c.BacklogWebhooks > 100:
		return usageError("bench: --backlog-webhooks must be from 1 to 100")
	case c.ContentSize < 0 || c.ContentSize > 100_000:
		return usageError("bench: --content-size must be from 0 to 100000")
	}
	return nil
}

// perSecond is a rate, rounded to a tenth: more digits would only be noise.
func perSecond(n int, d time.Duration) float64 { return round(float64(n)/d.Seconds(), 1) }

func round(x float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(x*p) / p
}

func printBenchTable(w io.Writer, r *benchReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "feedwire bench: %s, %d CPUs, %s, %d workers, %d-byte payloads, %d events\n\n",
		r.Database, r.CPUs, r.GoVersion, r.Workers, r.PayloadBytes, r.Events)
	fmt.Fprintf(tw, "metric\tvalue\twhat\n")
	fmt.Fprintf(tw, "raw_http_rps\t%.0f\tbare Go client, keep-alive, the same signed POSTs to the same receiver: this machine's ceiling\n", r.RawHTTPRPS)
	fmt.Fprintf(tw, "ingest_rps\t%.0f\tREST writes, each committing a message, its event and its delivery\n", r.IngestRPS)
	fmt.Fprintf(tw, "drain_rps\t%.0f\tdeliveries of %d queued: claim, sign, POST, record the attempt\n", r.DrainRPS, r.Events)
	fmt.Fprintf(tw, "drain_ratio\t%.3f\tdrain_rps / raw_http_rps\n", r.DrainRatio)
	if s := r.Sustained; s != nil {
		fmt.Fprintf(tw, "sustained_rps\t%.0f\tthe highest rate of writes tried whose deliveries kept up for %gs (tried %s)\n",
			r.SustainedRPS, s.Seconds, s.tried())
	}
	l := r.Latency
	fmt.Fprintf(tw, "latency_ms\t%.1f / %.1f / %.1f / %.1f\tp50 / p90 / p99 / max, REST write sent → delivery arrived, %d/s, %d events\n",
		l.P50, l.P90, l.P99, l.Max, l.Rate, l.Events)
	if f := r.Fanout; f != nil {
		fmt.Fprintf(tw, "fanout_ms\t%.1f / %.1f\tmedian / max of %d writes, sent → arrived at the last of %d webhooks\n",
			f.MedianMS, f.MaxMS, f.Trials, f.Webhooks)
	}
	if b := r.Backlog; b != nil {
		fmt.Fprintf(tw, "backlog_peak_rss_mb\t%.0f\t%d deliveries to %d webhooks, queued in %gs with delivery stopped, then drained: peak RSS of the whole bench process\n",
			b.PeakRSSMB, b.Deliveries, b.Webhooks, b.BuildS)
		fmt.Fprintf(tw, "backlog_drain_rps\t%.0f\tthat backlog drained: %.2f × drain_rps\n", b.DrainRPS, b.DrainShare)
	}
	tw.Flush()
	fmt.Fprintln(w)
}

// tried lists the rates tried and whether each held.
func (s *sustainReport) tried() string {
	var parts []string
	for _, t := range s.Tries {
		verdict := "held"
		if !t.Held {
			verdict = fmt.Sprintf("fell behind: %d left, p99 %.0f ms", t.BacklogEnd, t.Latency.P99)
		}
		parts = append(parts, fmt.Sprintf("%d/s %s", t.Rate, verdict))
	}
	return strings.Join(parts, "; ")
}

// newReport starts the report of a run with c.
func newReport(c benchConfig, database string) *benchReport {
	return &benchReport{Database: database, CPUs: runtime.NumCPU(), GoVersion: runtime.Version(),
		Workers: c.Workers, Events: c.Events, Latency: latencyReport{Rate: c.Rate},
		Config: map[string]any{"writers": c.Writers, "duration": c.Duration.String(), "content_size": c.ContentSize,
			"sustain_for": c.SustainFor.String(), "fanout": c.Fanout, "backlog": c.Backlog,
			"backlog_webhooks": c.BacklogWebhooks, "webhook_concurrency": c.WebhookConcurrency}}
}
