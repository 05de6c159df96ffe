package delivery

import (
	"testing"
	"time"

	"github.com/feedwire/feedwire"
)

// TestSlots: a webhook's claimed deliveries beyond its bound wait as spares, in the
// order claimed; an attempt that ends hands its slot to its webhook's next spare, or
// to a spare that only its workspace's bound held back; and the bounds are never
// passed.
func TestSlots(t *testing.T) {
	s := newSlots(2, 3, time.Minute) // 2 attempts of a webhook at once, 3 of a workspace
	claim := func(id, webhook, workspace string) leased {
		return leased{claim: &feedwire.Claim{Delivery: feedwire.Delivery{ID: id, WebhookID: webhook, WorkspaceID: workspace}}}
	}
	admitted := func(ls ...leased) (ids []string) {
		for _, l := range ls {
			if s.admit(l) {
				ids = append(ids, l.claim.Delivery.ID)
			}
		}
		return ids
	}
	a1, a2, a3, a4 := claim("a1", "A", "W"), claim("a2", "A", "W"), claim("a3", "A", "W"), claim("a4", "A", "W")
	b1, b2 := claim("b1", "B", "W"), claim("b2", "B", "W")
	c1 := claim("c1", "C", "V")
	if got := admitted(a1, a2, a3, a4, b1, b2, c1); len(got) != 4 || got[0] != "a1" || got[1] != "a2" || got[2] != "b1" || got[3] != "c1" {
		t.Fatalf("admitted %v, want a1 a2 (A's bound), b1 (W's bound), c1", got)
	}
	next := func(after leased, want string) {
		t.Helper()
		l, ok := s.done(after.claim)
		switch {
		case want == "" && ok:
			t.Errorf("after %s: let %s go, want none", after.claim.Delivery.ID, l.claim.Delivery.ID)
		case want != "" && (!ok || l.claim.Delivery.ID != want || !l.spare):
			t.Errorf("after %s: let %v go (%v), want the spare %s", after.claim.Delivery.ID, l.claim, ok, want)
		}
	}
	next(a1, "a3") // A's own spare first
	next(a2, "a4")
	next(a3, "b2") // A has no spare left; B's waited for W's bound
	next(c1, "")
	next(a4, "")
	next(b1, "")
	next(b2, "")
	if len(s.byWebhook) != 0 || len(s.byWorkspace) != 0 || len(s.spares) != 0 {
		t.Errorf("slots left taken: %v %v, spares %v", s.byWebhook, s.byWorkspace, s.spares)
	}
}

// TestNoSparesForASlowWebhook: once an attempt of a webhook takes the slow time or
// more, claims count its spares as taken, until an attempt of it is quick again.
func TestNoSparesForASlowWebhook(t *testing.T) {
	s := newSlots(4, 10, time.Second)
	inFlight := feedwire.InFlight{ByWebhook: map[string]int{"A": 1}, ByWorkspace: map[string]int{"W": 1}}
	if got := s.withoutSpares(inFlight).ByWebhook["A"]; got != 1 {
		t.Errorf("before any slow attempt: A counts %d, want 1", got)
	}
	s.noteAttempt("A", 2*time.Second)
	s.noteAttempt("B", 0) // not attempted: says nothing
	if got := s.withoutSpares(feedwire.InFlight{ByWebhook: map[string]int{"A": 1}}).ByWebhook; got["A"] != 5 || got["B"] != 0 {
		t.Errorf("after a slow attempt: %v, want A counted with its 4 spares", got)
	}
	s.noteAttempt("A", 10*time.Millisecond)
	if got := s.withoutSpares(feedwire.InFlight{ByWebhook: map[string]int{"A": 1}}).ByWebhook["A"]; got != 1 {
		t.Errorf("after a quick attempt: A counts %d, want 1", got)
	}
}
