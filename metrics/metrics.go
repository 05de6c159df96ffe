// Package metrics keeps feedwire's Prometheus metrics: attempts by outcome and by error
// class, deliveries that ended, attempt durations, the queue (due, waiting and held
// deliveries, and how long the oldest due one has waited), events by type, the API's
// requests, and what build is running.
package metrics

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/feedwire/feedwire"
)

// Options are what New needs besides the registry.
type Options struct {
	// QueueStats is asked at each scrape for the pending deliveries at that time.
	QueueStats func(ctx context.Context, now time.Time) (feedwire.QueueStats, error)
	// Version and Revision label feedwire_build_info: the module version and the VCS
	// revision the binary was built from, "" when unknown.
	Version, Revision string
	// Logger logs a scrape whose queue statistics could not be read.
	Logger *slog.Logger
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
}

// Metrics are the collectors feedwire updates.
type Metrics struct {
	attempts        *prometheus.CounterVec
	attemptErrors   *prometheus.CounterVec
	deliveries      *prometheus.CounterVec
	duration        prometheus.Histogram
	events          *prometheus.CounterVec
	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
}

// New registers feedwire's metrics, and the Go runtime's and the process's, with reg.
func New(reg prometheus.Registerer, o Options) (*Metrics, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwire_delivery_attempts_total",
			Help: "Delivery attempts by outcome: delivered, retry, failed or suspended.",
		}, []string{"outcome"}),
		attemptErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwire_delivery_attempt_errors_total",
			Help: "Attempts that did not succeed, by error class: dns, connect, tls, timeout, status, redirect or blocked.",
		}, []string{"class"}),
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
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedwire_http_requests_total",
			Help: "API requests answered, by method, route (the path pattern, such as /v1/webhooks/{id}) and status code.",
		}, []string{"method", "route", "code"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "feedwire_http_request_duration_seconds",
			Help:    "How long the API took to answer, by method and route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "feedwire_build_info",
		Help:        "Always 1; its labels say which feedwire runs: the module version and the VCS revision.",
		ConstLabels: prometheus.Labels{"version": o.Version, "revision": o.Revision},
	})
	build.Set(1)
	for _, c := range []prometheus.Collector{m.attempts, m.attemptErrors, m.deliveries, m.duration, m.events,
		m.requests, m.requestDuration, build, &queueCollector{o},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	// Every label value known in advance shows from the start, at 0, so that a rate
	// or an alert on it works before the first one happens.
	for _, o := range []feedwire.Outcome{feedwire.OutcomeDelivered, feedwire.OutcomeRetry, feedwire.OutcomeFailed, feedwire.OutcomeSuspended} {
		m.attempts.WithLabelValues(string(o))
	}
	for _, class := range feedwire.ErrorClasses {
		m.attemptErrors.WithLabelValues(string(class))
	}
	for _, status := range []feedwire.DeliveryStatus{feedwire.DeliverySucceeded, feedwire.DeliveryFailed} {
		m.deliveries.WithLabelValues(string(status))
	}
	return m, nil
}

// Attempted counts a batch of recorded attempts.
func (m *Metrics) Attempted(results []feedwire.AttemptResult) {
	for _, r := range results {
		a := &r.Attempt
		m.attempts.WithLabelValues(string(a.Outcome)).Inc()
		m.duration.Observe(a.Duration.Seconds())
		if a.ErrorClass != "" {
			m.attemptErrors.WithLabelValues(string(a.ErrorClass)).Inc()
		}
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

// Requested counts an API request: route is the path pattern that matched ("" for
// none, counted as "unmatched"), so that ids in paths make no new series.
func (m *Metrics) Requested(method, route string, code int, took time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	switch method { // any token is a method to net/http: a fixed set keeps the series bounded
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
	default:
		method = "other"
	}
	m.requests.WithLabelValues(method, route, statusCode(code)).Inc()
	m.requestDuration.WithLabelValues(method, route).Observe(took.Seconds())
}

// statusCode is code as a label, from a fixed set so that no client can add series.
func statusCode(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	return strconv.Itoa(code)
}

// queueCollector reads the queue's statistics at each scrape.
type queueCollector struct{ o Options }

var (
	queueDepthDesc = prometheus.NewDesc("feedwire_delivery_queue_depth",
		"Pending deliveries by state: due (to be attempted now), waiting (for a retry's time, or an attempt under way) or held (their webhook is paused or suspended).",
		[]string{"state"}, nil)
	oldestDueDesc = prometheus.NewDesc("feedwire_delivery_queue_oldest_due_seconds",
		"How long the longest-waiting due delivery has been due; 0 when none is. Growing means delivery falls behind.",
		nil, nil)
)

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDepthDesc
	ch <- oldestDueDesc
}

// Collect reports the queue, or nothing when the database does not answer: a gauge
// that made up a value (-1, 0) would read as a real one.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := c.o.Now()
	stats, err := c.o.QueueStats(ctx, now)
	if err != nil {
		c.o.Logger.Warn("metrics: the queue's statistics could not be read; they are left out of this scrape", "error", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(stats.Due), "due")
	ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(stats.Waiting), "waiting")
	ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(stats.Held), "held")
	oldest := 0.0
	if !stats.OldestDue.IsZero() {
		oldest = max(0, now.Sub(stats.OldestDue).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(oldestDueDesc, prometheus.GaugeValue, oldest)
}
