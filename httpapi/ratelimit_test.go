package httpapi

import (
	"fmt"
	"testing"
	"time"
)

// clock is a test's time, moved by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestRateLimiter(t *testing.T) {
	c := &clock{t: time.Date(2025, 1, 15, 14, 28, 0, 0, time.UTC)}
	l, err := NewRateLimiter(5, 5, c.now)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		advance time.Duration
		key     string
		want    bool
		wait    time.Duration // when refused
	}{
		{"burst 1", 0, "a", true, 0},
		{"burst 2", 0, "a", true, 0},
		{"burst 3", 0, "a", true, 0},
		{"burst 4", 0, "a", true, 0},
		{"burst 5", 0, "a", true, 0},
		{"over the burst", 0, "a", false, 200 * time.Millisecond},
		{"another key", 0, "b", true, 0},
		{"part of a token", 100 * time.Millisecond, "a", false, 100 * time.Millisecond},
		{"one token back", 100 * time.Millisecond, "a", true, 0},
		{"and only one", 0, "a", false, 200 * time.Millisecond},
		{"a clock that steps back adds nothing", -time.Hour, "a", false, 200 * time.Millisecond},
		{"a long pause refills to the burst 1", 2 * time.Hour, "a", true, 0},
		{"a long pause refills to the burst 2", 0, "a", true, 0},
		{"a long pause refills to the burst 3", 0, "a", true, 0},
		{"a long pause refills to the burst 4", 0, "a", true, 0},
		{"a long pause refills to the burst 5", 0, "a", true, 0},
		{"but not beyond", 0, "a", false, 200 * time.Millisecond},
	}
	for _, s := range steps {
		c.advance(s.advance)
		ok, wait := l.Allow(s.key)
		if ok != s.want || wait.Round(time.Millisecond) != s.wait {
			t.Errorf("%s: got %v, wait %s, want %v, wait %s", s.name, ok, wait, s.want, s.wait)
		}
	}
}

// TestRateLimiterIsBounded shows the limiter three times as many keys as it keeps: it
// never holds more than maxBuckets, it forgets the key seen least recently, and a key
// seen recently stays limited.
func TestRateLimiterIsBounded(t *testing.T) {
	c := &clock{t: time.Date(2025, 1, 15, 14, 28, 0, 0, time.UTC)}
	l, err := NewRateLimiter(1, 1, c.now)
	if err != nil {
		t.Fatal(err)
	}
	most := 0
	for i := range 3 * maxBuckets {
		l.Allow(fmt.Sprint("key ", i))
		most = max(most, len(l.buckets), l.recent.Len())
	}
	t.Logf("%d keys seen; at most %d buckets held", 3*maxBuckets, most)
	if most > maxBuckets {
		t.Errorf("got %d buckets at most, want %d", most, maxBuckets)
	}
	if ok, _ := l.Allow(fmt.Sprint("key ", 3*maxBuckets-1)); ok {
		t.Errorf("the key seen last was forgotten: got a fresh bucket, want its empty one")
	}
	if ok, _ := l.Allow("key 0"); !ok {
		t.Errorf("the key seen first was kept: got its empty bucket, want a fresh one")
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		wait time.Duration
		want int
	}{
		{0, 1},
		{200 * time.Millisecond, 1},
		{time.Second, 1},
		{1200 * time.Millisecond, 2},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.wait); got != tt.want {
			t.Errorf("retryAfter(%s): got %d, want %d", tt.wait, got, tt.want)
		}
	}
}

func TestNewRateLimiterRefuses(t *testing.T) {
	for _, rb := range [][2]int{{0, 1}, {1, 0}, {-1, 5}} {
		if _, err := NewRateLimiter(rb[0], rb[1], time.Now); err == nil {
			t.Errorf("NewRateLimiter(%d, %d): got no error, want one", rb[0], rb[1])
		}
	}
}
