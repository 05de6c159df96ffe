package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
)

// TestIdempotencyKeys: a key is claimed once; its answer is remembered for a day, then
// the key is free again, and Prune forgets it; a forgotten key is free at once.
func TestIdempotencyKeys(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	begin := func(key, fingerprint string) *feedwire.IdempotentAnswer {
		t.Helper()
		a, err := f.store.BeginIdempotent(ctx, f.workspace, key, fingerprint)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if a := begin("k1", "POST /v1/users abc"); a != nil {
		t.Fatalf("a new key: %+v, want nil (run the request)", a)
	}
	if a := begin("k1", "POST /v1/users abc"); a == nil || a.Status != 0 {
		t.Fatalf("the key again while its request runs: %+v, want status 0", a)
	}
	answer := feedwire.IdempotentAnswer{Fingerprint: "POST /v1/users abc", Status: 201, ContentType: "application/json", Body: []byte(`{"id":"u1"}`)}
	if err := f.store.FinishIdempotent(ctx, f.workspace, "k1", answer); err != nil {
		t.Fatal(err)
	}
	if a := begin("k1", "POST /v1/users other"); a == nil || a.Status != 201 || string(a.Body) != `{"id":"u1"}` || a.Fingerprint != answer.Fingerprint {
		t.Errorf("a finished key: %+v, want its answer and fingerprint", a)
	}
	if a := begin("k2", "x"); a != nil {
		t.Fatal("another key was taken")
	}
	if err := f.store.ForgetIdempotent(ctx, f.workspace, "k2"); err != nil {
		t.Fatal(err)
	}
	if a := begin("k2", "y"); a != nil {
		t.Errorf("a forgotten key: %+v, want it free", a)
	}

	// A claim whose request never finished (its process died) is taken over after a while.
	if a := begin("k3", "z"); a != nil {
		t.Fatal("k3 was taken")
	}
	f.clock.Advance(time.Minute)
	if a := begin("k3", "z"); a == nil || a.Status != 0 {
		t.Errorf("an unfinished claim a minute old: %+v, want it still running", a)
	}
	f.clock.Advance(10 * time.Minute)
	if a := begin("k3", "z"); a != nil {
		t.Errorf("an unfinished claim 11 minutes old: %+v, want it taken over", a)
	}

	f.clock.Advance(feedwire.IdempotencyKeyLifetime + time.Second)
	if a := begin("k1", "POST /v1/users new"); a != nil {
		t.Errorf("a key a day old: %+v, want it free again", a)
	}
	pruned, err := f.store.Prune(ctx, f.clock.Now().Add(-30*24*time.Hour))
	if err != nil || pruned.IdempotencyKeys != 2 {
		t.Errorf("prune: %+v, %v; want the day-old k2 and k3 forgotten", pruned, err)
	}
}
