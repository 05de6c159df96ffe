package store_test

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
)

// The benchmarks here report the CPU time, of every goroutine, that the store spends
// per message written and per delivery claimed and recorded: on a shared machine that
// moves far less from run to run than a rate does. feedwire bench measures the rates.

// processCPU is the CPU time this process has used.
func processCPU(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration, n int) {
	b.ReportMetric(float64((processCPU(b)-start).Microseconds())/float64(n), "cpu-µs/op")
}

// BenchmarkWriteMessage: a message written by one of 32 concurrent writers, with the
// event and the delivery it queues.
func BenchmarkWriteMessage(b *testing.B) {
	f := setup(b)
	f.hook(b, feedwire.WebhookActive)
	u := f.user(b, "Ada")
	ctx := context.Background()
	in := feedwire.MessageInput{Title: "Export to PDF", Content: string(bytes.Repeat([]byte("x"), 560)),
		Channel: "INTERCOM", RequesterID: u.ID, SubmitterID: u.ID}
	b.SetParallelism(16) // 32 writers on 2 CPUs
	start := processCPU(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := f.store.CreateMessage(ctx, f.workspace, in); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	reportCPU(b, start, b.N)
}

// BenchmarkClaimAndRecord: a delivery claimed in a batch of 128 and its attempt, a
// success with a 1 KiB request body, recorded in a batch.
func BenchmarkClaimAndRecord(b *testing.B) {
	f := setup(b)
	f.hook(b, feedwire.WebhookActive)
	u := f.user(b, "Ada")
	ctx := context.Background()
	in := feedwire.MessageInput{Title: "Export to PDF", Content: "Please add it.",
		Channel: "INTERCOM", RequesterID: u.ID, SubmitterID: u.ID}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range (b.N + 15) / 16 {
				if _, err := f.store.CreateMessage(ctx, f.workspace, in); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	body := bytes.Repeat([]byte("x"), 1024)
	start := processCPU(b)
	b.ResetTimer()
	done := 0
	for done < b.N {
		claimed, err := f.store.ClaimDeliveries(ctx, feedwire.ClaimRequest{Now: f.clock.Now(), Limit: 128, Lease: time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		if len(claimed.Claims) == 0 {
			b.Fatalf("nothing to claim after %d", done)
		}
		results := make([]feedwire.AttemptResult, len(claimed.Claims))
		for i, c := range claimed.Claims {
			results[i] = feedwire.AttemptResult{Claim: c, Attempt: feedwire.Attempt{
				DeliveryID: c.Delivery.ID, WebhookID: c.Delivery.WebhookID, Number: 1, StartedAt: f.clock.Now(),
				Duration: time.Millisecond, RequestURL: c.Webhook.URL,
				RequestHeaders: http.Header{"Content-Type": {"application/json"}, "Webhook-Signature": {"v1,abc"}},
				RequestBody:    body, ResponseStatus: 200, ResponseHeaders: http.Header{"Content-Length": {"0"}},
				Outcome: feedwire.OutcomeDelivered,
			}}
		}
		if err := f.store.RecordAttempts(ctx, results, time.Hour); err != nil {
			b.Fatal(err)
		}
		done += len(results)
	}
	b.StopTimer()
	reportCPU(b, start, done)
}
