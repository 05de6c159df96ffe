package main

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/feedwire/feedwire/internal/testpg"
)

// smallBench is a run of every phase in a few seconds.
var smallBench = []string{"bench", "--events", "300", "--workers", "8", "--writers", "4", "--rate", "100",
	"--duration", "300ms", "--sustain-for", "300ms", "--fanout", "20", "--backlog", "2000", "--backlog-webhooks", "4"}

// TestBench runs a small benchmark end to end and checks that every measure is there.
// It asserts nothing about speed: targets are met in feedwire bench, not in tests.
func TestBench(t *testing.T) {
	r := runSmallBench(t, "sqlite")
	if r.Database != "sqlite" {
		t.Errorf("database = %q, want sqlite", r.Database)
	}
}

// TestBenchOnPostgres runs the same phases on a throwaway database of the server.
func TestBenchOnPostgres(t *testing.T) {
	r := runSmallBench(t, testpg.Server(t))
	if r.Database != "postgres" {
		t.Errorf("database = %q, want postgres", r.Database)
	}
}

func runSmallBench(t *testing.T, database string) *benchReport {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args := append(slices.Clone(smallBench), "--database", database, "--json")
	if err := run(context.Background(), args, noEnv, &stdout, &stderr); err != nil {
		t.Fatalf("bench: %v\n%s", err, stderr.String())
	}
	var r benchReport
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, stdout.String())
	}
	t.Logf("%s: raw %.0f/s, ingest %.0f/s, drain %.0f/s, sustained %.0f/s, fan-out %.1f ms, backlog RSS %.0f MB",
		r.Database, r.RawHTTPRPS, r.IngestRPS, r.DrainRPS, r.SustainedRPS, r.Fanout.MaxMS, r.Backlog.PeakRSSMB)
	if r.Events != 300 || r.Workers != 8 || r.CPUs < 1 {
		t.Errorf("report describes the wrong run: %+v", r)
	}
	for name, v := range map[string]float64{"raw_http_rps": r.RawHTTPRPS, "ingest_rps": r.IngestRPS,
		"drain_rps": r.DrainRPS, "drain_ratio": r.DrainRatio, "p50": r.Latency.P50, "max": r.Latency.Max} {
		if v <= 0 {
			t.Errorf("%s = %v, want a measure above 0", name, v)
		}
	}
	if l := r.Latency; l.Events != 30 || l.Failed != 0 || l.P50 > l.P99 || l.P99 > l.Max {
		t.Errorf("latency = %+v, want 30 events, none failed, with ordered percentiles", l)
	}
	if s := r.Sustained; s == nil || len(s.Tries) == 0 {
		t.Errorf("sustained = %+v, want at least one rate tried", s)
	}
	if f := r.Fanout; f == nil || f.Webhooks != 20 || f.Trials != 5 || f.MedianMS <= 0 || f.MedianMS > f.MaxMS {
		t.Errorf("fanout = %+v, want 5 trials to 20 webhooks", f)
	}
	if b := r.Backlog; b == nil || b.Deliveries != 2000 || b.Webhooks != 4 || b.PeakRSSMB <= 0 || b.DrainRPS <= 0 {
		t.Errorf("backlog = %+v, want 2000 deliveries to 4 webhooks, drained, with memory sampled", b)
	}
	// A payload near 1 KiB, as DESIGN §8 asks, with the default content size.
	if r.PayloadBytes < 900 || r.PayloadBytes > 1200 {
		t.Errorf("payload_bytes = %d, want about 1024", r.PayloadBytes)
	}
	if len(r.Phases) != 7 {
		t.Errorf("phases = %+v, want all 7", r.Phases)
	}
	return &r
}

// TestBenchTable: without --json the report is a table naming every measure.
func TestBenchTable(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"bench", "--events", "100", "--workers", "4", "--writers", "2", "--rate", "50",
		"--duration", "200ms", "--sustain-for", "0", "--fanout", "0", "--backlog", "0"}
	if err := run(context.Background(), args, noEnv, &stdout, &stderr); err != nil {
		t.Fatalf("bench: %v\n%s", err, stderr.String())
	}
	for _, metric := range []string{"raw_http_rps", "ingest_rps", "drain_rps", "drain_ratio", "latency_ms"} {
		if !strings.Contains(stdout.String(), metric) {
			t.Errorf("the table has no %s:\n%s", metric, stdout.String())
		}
	}
}

func TestBenchRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "--events", "0"},
		{"bench", "--workers", "0"},
		{"bench", "--rate", "-1"},
		{"bench", "--duration", "1ms"},
		{"bench", "--fanout", "101"},
		{"bench", "--backlog", "-1"},
		{"bench", "--database", "mysql://x"},
		{"bench", "extra"},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, noEnv, &stdout, &stderr); exitCode(err) != 2 {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
		if stdout.Len() > 0 {
			t.Errorf("%v printed a report: %s", args, stdout.String())
		}
	}
}
