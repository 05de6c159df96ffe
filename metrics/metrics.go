// Package metrics keeps feedwire's Prometheus metrics: deliveries by outcome, attempt
// durations, the queue's depth and events by type.
package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/feedwire/feedwire"
)

// Metrics are the collectors feedwire updates.
type Metrics struct {
	attempts   *prometheus.CounterVec
	deliveries *prometheus.CounterVec
	duration   prometheus.Histogram
	events     *prometheus.CounterVec
}

// New registers feedwire's metrics, and the Go runtime's and the process's, with reg.
// queueDepth is asked for the number of pending deliveries at each scrape.
func New(reg prometheus.Registerer, queueDepth func(context.Context) (int, error)) (*Metrics, error) {
	m := &Metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwire_delivery_attempts_total",
			Help: "Delivery attempts by outcome: delivered, retry, failed or suspended.",
		}, []string{"outcome"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwire_deliveries_total",
			Help: "Deliveries that ended, by status: succeeded or failed.",
		}, []string{"status"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "feedwire_delivery_attempt_duration_seconds",
			Help:    "How long an attempt took, from sending the request to reading the answer.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwire_events_total",
			Help: "Events committed, by type.",
		}, []string{"type"}),
	}
	depth := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "feedwire_delivery_queue_depth",
		Help: "Pending deliveries, due or held.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n, err := queueDepth(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	for _, c := range []prometheus.Collector{m.attempts, m.deliveries, m.duration, m.events, depth,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	for _, o := range []feedwire.Outcome{feedwire.OutcomeDelivered, feedwire.OutcomeRetry, feedwire.OutcomeFailed, feedwire.OutcomeSuspended} {
		m.attempts.WithLabelValues(string(o)) // so that every outcome shows from the start
	}
	return m, nil
}

// Attempted counts a batch of recorded attempts.
func (m *Metrics) Attempted(results []feedwire.AttemptResult) {
	for _, r := range results {
		a := &r.Attempt
		m.attempts.WithLabelValues(string(a.Outcome)).Inc()
		m.duration.Observe(a.Duration.Seconds())
		switch a.Outcome {
		case feedwire.OutcomeDelivered:
			m.deliveries.WithLabelValues(string(feedwire.DeliverySucceeded)).Inc()
		case feedwire.OutcomeFailed:
			m.deliveries.WithLabelValues(string(feedwire.DeliveryFailed)).Inc()
		}
	}
}

// Committed counts the events of a commit.
func (m *Metrics) Committed(events []feedwire.EventType) {
	for _, t := range events {
		m.events.WithLabelValues(string(t)).Inc()
	}
}
