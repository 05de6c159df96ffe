package portal

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feedwire/feedwire"
)

// The charts of a webhook are inline SVG drawn here: bars and lines placed in Go,
// written out by the template, with a table of the same numbers for screen readers
// and for anyone who wants the figures.

// hour is what one hour of a webhook's attempts comes to.
type hour struct {
	Start               time.Time
	Succeeded, Failed   int
	Durations           []time.Duration // sorted
	P50, P90, P99       time.Duration
	HasLatency          bool
	SucceededPercentage int
}

// hourlyBuckets sorts attempts into the n hours that end with the one now is in.
func hourlyBuckets(attempts []feedwire.AttemptSummary, now time.Time, n int) []hour {
	first := now.Truncate(time.Hour).Add(-time.Duration(n-1) * time.Hour)
	hours := make([]hour, n)
	for i := range hours {
		hours[i].Start = first.Add(time.Duration(i) * time.Hour)
	}
	for _, a := range attempts {
		i := int(a.StartedAt.Sub(first) / time.Hour)
		if a.StartedAt.Before(first) || i >= n {
			continue
		}
		if a.Outcome == feedwire.OutcomeDelivered {
			hours[i].Succeeded++
		} else {
			hours[i].Failed++
		}
		hours[i].Durations = append(hours[i].Durations, a.Duration)
	}
	for i := range hours {
		h := &hours[i]
		if len(h.Durations) == 0 {
			continue
		}
		slices.Sort(h.Durations)
		h.HasLatency = true
		h.P50, h.P90, h.P99 = percentile(h.Durations, 50), percentile(h.Durations, 90), percentile(h.Durations, 99)
		h.SucceededPercentage = 100 * h.Succeeded / (h.Succeeded + h.Failed)
	}
	return hours
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := int(math.Ceil(float64(p) / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

// chart is an SVG chart, its shapes placed in a viewBox of Width × Height.
type chart struct {
	ID, Title     string
	Width, Height int
	Left, Bottom  int // where the plot's axes meet
	Bars          []bar
	Lines         []line
	YTicks        []tick
	XTicks        []tick
	Legend        []legendItem
	Empty         bool
	Hours         []hour
}

type bar struct {
	X, Y, W, H float64
	Class      string
	Label      string // its tooltip
}

type line struct {
	Points string // "x,y x,y …"
	Class  string
}

type tick struct {
	At    float64
	Label string
}

type legendItem struct {
	Class, Label string
}

// The geometry of every chart.
const (
	chartWidth, chartHeight = 480, 200
	marginLeft, marginRight = 52, 8
	marginTop, marginBottom = 10, 26
)

func newChart(id, title string, hours []hour) chart {
	c := chart{ID: id, Title: title, Width: chartWidth, Height: chartHeight, Left: marginLeft, Bottom: chartHeight - marginBottom, Hours: hours, Empty: true}
	for i, h := range hours {
		if h.Succeeded+h.Failed > 0 {
			c.Empty = false
		}
		if i%6 == 0 {
			c.XTicks = append(c.XTicks, tick{At: c.slotX(i) + c.slotWidth()/2, Label: h.Start.UTC().Format("15:04")})
		}
	}
	return c
}

func (c *chart) plotHeight() float64 { return float64(chartHeight - marginTop - marginBottom) }

func (c *chart) slotWidth() float64 {
	return float64(chartWidth-marginLeft-marginRight) / float64(max(len(c.Hours), 1))
}

func (c *chart) slotX(i int) float64 { return marginLeft + float64(i)*c.slotWidth() }

// y places v of a scale that tops at top.
func (c *chart) y(v, top float64) float64 {
	return float64(c.Bottom) - v/top*c.plotHeight()
}

// yTicks marks 0, half and the top of a scale; the half only when it is a whole
// number, since the scales count attempts and milliseconds.
func (c *chart) yTicks(top float64, label func(float64) string) {
	for _, v := range []float64{0, top / 2, top} {
		if v != math.Trunc(v) {
			continue
		}
		c.YTicks = append(c.YTicks, tick{At: c.y(v, top), Label: label(v)})
	}
}

// outcomeChart stacks each hour's failed attempts on its succeeded ones.
func outcomeChart(hours []hour) chart {
	c := newChart("outcomes", "Delivery attempts per hour (UTC): succeeded and failed", hours)
	most := 0
	for _, h := range hours {
		most = max(most, h.Succeeded+h.Failed)
	}
	top := niceCeil(float64(most))
	c.yTicks(top, func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) })
	w := c.slotWidth() * 0.7
	for i, h := range hours {
		x := c.slotX(i) + (c.slotWidth()-w)/2
		okTop := c.y(float64(h.Succeeded), top)
		failTop := c.y(float64(h.Succeeded+h.Failed), top)
		when := h.Start.UTC().Format("15:04")
		if h.Succeeded > 0 {
			c.Bars = append(c.Bars, bar{x, okTop, w, float64(c.Bottom) - okTop, "bar-ok", fmt.Sprintf("%s: %d succeeded", when, h.Succeeded)})
		}
		if h.Failed > 0 {
			c.Bars = append(c.Bars, bar{x, failTop, w, okTop - failTop, "bar-fail", fmt.Sprintf("%s: %d failed", when, h.Failed)})
		}
	}
	c.Legend = []legendItem{{"bar-ok", "succeeded"}, {"bar-fail", "failed"}}
	return c
}

// latencyChart draws the p50, p90 and p99 of each hour's attempt durations, a line
// each, broken where an hour had no attempts.
func latencyChart(hours []hour) chart {
	c := newChart("latency", "Response time per hour (UTC): p50, p90 and p99", hours)
	var slowest time.Duration
	for _, h := range hours {
		slowest = max(slowest, h.P99)
	}
	top := niceCeil(float64(slowest) / float64(time.Millisecond))
	c.yTicks(top, func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) + " ms" })
	series := []struct {
		class string
		of    func(hour) time.Duration
	}{
		{"line-p50", func(h hour) time.Duration { return h.P50 }},
		{"line-p90", func(h hour) time.Duration { return h.P90 }},
		{"line-p99", func(h hour) time.Duration { return h.P99 }},
	}
	for _, s := range series {
		var points []string
		flush := func() {
			if len(points) > 0 {
				c.Lines = append(c.Lines, line{Points: strings.Join(points, " "), Class: s.class})
				points = nil
			}
		}
		for i, h := range hours {
			if !h.HasLatency {
				flush()
				continue
			}
			ms := float64(s.of(h)) / float64(time.Millisecond)
			x := c.slotX(i) + c.slotWidth()/2
			points = append(points, fmt.Sprintf("%.1f,%.1f", x, c.y(ms, top)))
			if len(points) == 1 { // a dot, so that a lone hour shows too
				c.Bars = append(c.Bars, bar{x - 3.5, c.y(ms, top) - 3.5, 7, 7, s.class + "-dot", ""})
			}
		}
		flush()
	}
	c.Legend = []legendItem{{"line-p50", "p50"}, {"line-p90", "p90"}, {"line-p99", "p99"}}
	return c
}

// niceCeil is the smallest of 1, 2, 5, 10, 20, 50… that is at least v (and at least 1).
func niceCeil(v float64) float64 {
	if v <= 1 {
		return 1
	}
	magnitude := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*magnitude >= v {
			return m * magnitude
		}
	}
	return 10 * magnitude
}
