package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestBench runs a small benchmark end to end and checks that every measure is there.
// It asserts nothing about speed: targets are met in feedwire bench, not in tests.
func TestBench(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"bench", "--backlog", "300", "--workers", "8", "--writers", "4", "--rate", "100", "--latency-for", "300ms"}
	if err := run(context.Background(), args, noEnv, &stdout, &stderr); err != nil {
		t.Fatalf("bench: %v\n%s", err, stderr.String())
	}
	var r benchReport
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, stdout.String())
	}
	if r.Backlog != 300 || r.Workers != 8 || r.Database != "sqlite" || r.CPUs < 1 {
		t.Errorf("report describes the wrong run: %+v", r)
	}
	for name, v := range map[string]float64{"raw_http_rps": r.RawHTTPRPS, "ingest_rps": r.IngestRPS,
		"drain_rps": r.DrainRPS, "drain_ratio": r.DrainRatio, "p50": r.Latency.P50, "max": r.Latency.Max} {
		if v <= 0 {
			t.Errorf("%s = %v, want a measure above 0", name, v)
		}
	}
	if r.Latency.Events != 30 || r.Latency.P50 > r.Latency.P99 || r.Latency.P99 > r.Latency.Max {
		t.Errorf("latency = %+v, want 30 events with ordered percentiles", r.Latency)
	}
	// A payload near 1 KiB, as DESIGN §8 asks, with the default content size.
	if r.PayloadBytes < 900 || r.PayloadBytes > 1200 {
		t.Errorf("payload_bytes = %d, want about 1024", r.PayloadBytes)
	}
	for _, metric := range []string{"raw_http_rps", "ingest_rps", "drain_rps", "drain_ratio", "latency_ms"} {
		if !strings.Contains(stderr.String(), metric) {
			t.Errorf("the table on stderr has no %s:\n%s", metric, stderr.String())
		}
	}
}

func TestBenchRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "--backlog", "0"},
		{"bench", "--workers", "0"},
		{"bench", "--rate", "-1"},
		{"bench", "--latency-for", "1ms"},
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
