package store_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/store"
)

// node opens another store on the fixture's database, as another feedwire node would.
func (f *fixture) node(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), f.dsn, store.Options{Now: f.clock.Now, SecretKey: f.key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestNodesClaimApart: two nodes claiming the same backlog at the same time never take
// the same delivery, and between them take all of it.
func TestNodesClaimApart(t *testing.T) {
	f := setup(t)
	f.hook(t, feedwire.WebhookActive)
	const backlog = 300
	for range backlog {
		f.message(t)
	}
	f.clock.Advance(time.Second)
	nodes := []*store.Store{f.store, f.node(t)}
	var mu sync.Mutex
	taken := map[string]int{}
	var wg sync.WaitGroup
	for _, s := range nodes {
		wg.Go(func() {
			for {
				claimed, err := s.ClaimDeliveries(context.Background(), feedwire.ClaimRequest{Now: f.clock.Now(), Limit: 25, Lease: time.Minute})
				if err != nil {
					t.Error(err)
					return
				}
				if len(claimed.Claims) == 0 {
					return
				}
				mu.Lock()
				for _, c := range claimed.Claims {
					taken[c.Delivery.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	twice := 0
	for _, n := range taken {
		if n > 1 {
			twice++
		}
	}
	t.Logf("two nodes claimed %d deliveries of %d, %d of them twice", len(taken), backlog, twice)
	if len(taken) != backlog || twice != 0 {
		t.Errorf("claimed %d distinct deliveries, %d twice; want all %d, none twice", len(taken), twice, backlog)
	}
}

// TestNodesReleaseOnlyTheirOwnLeases: a node that stops gives back its own leases and
// none of another's; a starting node on Postgres releases nothing, since the others may
// be at work.
func TestNodesReleaseOnlyTheirOwnLeases(t *testing.T) {
	f := setup(t)
	f.hook(t, feedwire.WebhookActive)
	for range 4 {
		f.message(t)
	}
	f.clock.Advance(time.Second)
	other := f.node(t)
	ctx := context.Background()
	claim := func(s *store.Store) int {
		claimed, err := s.ClaimDeliveries(ctx, feedwire.ClaimRequest{Now: f.clock.Now(), Limit: 2, Lease: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		return len(claimed.Claims)
	}
	if a, b := claim(f.store), claim(other); a != 2 || b != 2 {
		t.Fatalf("claimed %d and %d, want 2 each", a, b)
	}
	if n, err := f.node(t).ReleaseLeases(ctx, f.clock.Now()); err != nil || n != 0 {
		t.Errorf("a node starting: released %d (%v), want none", n, err)
	}
	if n, err := other.ReleaseOwnLeases(ctx, f.clock.Now()); err != nil || n != 2 {
		t.Errorf("a node stopping: released %d (%v), want its own 2", n, err)
	}
	if n := claim(f.store); n != 2 {
		t.Errorf("after the other node gave its 2 back: claimed %d, want them", n)
	}
}

// TestLeadMovesWhenTheLeaderGoes: one node leads at a time; when the leader's sessions
// end, as when its process dies, it learns that it lost the lead and another node takes
// it within seconds.
func TestLeadMovesWhenTheLeaderGoes(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	first := f.node(t)
	lead, err := first.Lead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lead.Release()
	second := f.node(t)
	waitCtx, cancel := context.WithTimeout(ctx, 2500*time.Millisecond)
	defer cancel()
	if _, err := second.Lead(waitCtx); err == nil {
		t.Fatal("a second node led while the first still did")
	}
	// The first node's sessions end, as a killed node's do.
	killer, err := sql.Open("pgx", f.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer killer.Close()
	if _, err := killer.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	select {
	case <-lead.Lost():
	case <-time.After(10 * time.Second):
		t.Error("the first node did not notice within 10s that it lost the lead")
	}
	waitCtx, cancel = context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	next, err := second.Lead(waitCtx)
	if err != nil {
		t.Fatalf("the second node did not lead within 10s of the first one's end: %v", err)
	}
	defer next.Release()
	t.Logf("the lead moved %v after the leader's connections closed", time.Since(start).Round(time.Millisecond))
}

// TestNodesWriteSideBySide: two nodes writing at once keep every rule a single writer
// keeps: 40 posts with one title get 40 slugs, 40 votes on one post count 40, and no
// write fails (a serializable transaction that loses to another runs again).
func TestNodesWriteSideBySide(t *testing.T) {
	f := setupPost(t)
	ctx := context.Background()
	nodes := []*store.Store{f.store, f.node(t)}
	voters := make([]*feedwire.User, 40)
	for i := range voters {
		voters[i] = f.user(t, "Voter")
	}
	var mu sync.Mutex
	slugs := map[string]bool{}
	var wg sync.WaitGroup
	for i := range 40 {
		s := nodes[i%2]
		wg.Go(func() {
			p, err := s.CreatePost(ctx, f.workspace, feedwire.PostInput{
				Title: "Same title", Content: "x", BoardID: f.board.ID, AuthorID: f.author.ID,
			})
			if err != nil {
				t.Errorf("create a post beside the other node: %v", err)
				return
			}
			mu.Lock()
			slugs[p.Slug] = true
			mu.Unlock()
		})
		wg.Go(func() {
			if _, err := s.Vote(ctx, f.workspace, f.post.ID, voters[i].ID, feedwire.VoteAdd); err != nil {
				t.Errorf("vote beside the other node: %v", err)
			}
		})
	}
	wg.Wait()
	post := f.reload(t)
	t.Logf("two nodes at once: 40 posts with one title got %d slugs; 40 votes made upvotes %d", len(slugs), post.Upvotes)
	if len(slugs) != 40 || post.Upvotes != 40 {
		t.Errorf("got %d slugs and %d upvotes, want 40 and 40", len(slugs), post.Upvotes)
	}
}

// TestKeyRevokedOnAnotherNode: a node remembers a key it authenticated for a second at
// most; revoked through another node, the key is refused by this one within that time.
// (Through this node, at once: TestKeyRevokedAtOnce.)
func TestKeyRevokedOnAnotherNode(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	_, key, err := f.store.CreateAPIKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Authenticate(ctx, key.Secret); err != nil {
		t.Fatal(err)
	}
	if _, err := f.node(t).RevokeAPIKey(ctx, f.workspace, key.ID); err != nil {
		t.Fatal(err)
	}
	revoked := time.Now()
	for {
		_, err := f.store.Authenticate(ctx, key.Secret)
		if errors.Is(err, feedwire.ErrUnauthorized) {
			t.Logf("refused %s after the other node revoked it", time.Since(revoked).Round(time.Millisecond))
			return
		}
		if time.Since(revoked) > 1500*time.Millisecond {
			t.Fatalf("the key still works %s after another node revoked it (%v)", time.Since(revoked), err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
