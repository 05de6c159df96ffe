package httpapi

import (
	"container/list"
	"crypto/sha256"
	"errors"
	"math"
	"sync"
	"time"
)

// maxBuckets bounds the keys a RateLimiter remembers, so that many keys cannot grow its
// memory without limit. A bucket takes under 200 bytes, so this is under 2 MB.
const maxBuckets = 10_000

// RateLimiter limits each API key to a steady rate of requests with a burst: a token
// bucket per key, in memory. It keeps a key's SHA-256 digest, never the key.
type RateLimiter struct {
	rate  float64 // tokens a bucket gains per second
	burst float64 // tokens a bucket holds at most
	now   func() time.Time

	mu      sync.Mutex
	buckets map[[sha256.Size]byte]*list.Element // of recent
	recent  list.List                           // *bucket, the most recently seen first
}

// bucket is one key's tokens as of at, the last time the key was seen.
type bucket struct {
	id     [sha256.Size]byte
	tokens float64
	at     time.Time
}

// NewRateLimiter allows each key perSecond requests a second, and up to burst at once
// after a pause. now is the clock.
func NewRateLimiter(perSecond, burst int, now func() time.Time) (*RateLimiter, error) {
	if perSecond < 1 || burst < 1 {
		return nil, errors.New("rate limit: the rate and the burst must be at least 1")
	}
	return &RateLimiter{rate: float64(perSecond), burst: float64(burst), now: now,
		buckets: make(map[[sha256.Size]byte]*list.Element)}, nil
}

// Allow takes a token from key's bucket. When there is none it reports how long until
// there is one.
func (l *RateLimiter) Allow(key string) (ok bool, wait time.Duration) {
	id := sha256.Sum256([]byte(key))
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(id, now)
	elapsed := max(now.Sub(b.at).Seconds(), 0) // a clock that steps back adds nothing
	b.tokens = min(b.tokens+elapsed*l.rate, l.burst)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// bucket returns the bucket of id, a full one if it has none. To make room it forgets
// the key seen least recently: most likely its bucket has refilled, and then forgetting
// it changes nothing; if not, the key starts afresh when it comes back.
func (l *RateLimiter) bucket(id [sha256.Size]byte, now time.Time) *bucket {
	if e := l.buckets[id]; e != nil {
		l.recent.MoveToFront(e)
		return e.Value.(*bucket)
	}
	if len(l.buckets) >= maxBuckets {
		oldest := l.recent.Back()
		l.recent.Remove(oldest)
		delete(l.buckets, oldest.Value.(*bucket).id)
	}
	b := &bucket{id: id, tokens: l.burst, at: now}
	l.buckets[id] = l.recent.PushFront(b)
	return b
}

// retryAfter is wait in whole seconds, rounded up and at least 1: Retry-After has no
// fractions, and 0 would invite an immediate retry.
func retryAfter(wait time.Duration) int {
	return max(int(math.Ceil(wait.Seconds())), 1)
}
