package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
)

const testSecret = "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"

// hook stores a harvestr webhook for MESSAGE_CREATED, without a challenge.
func (f *fixture) hook(t testing.TB, status feedwire.WebhookStatus) *feedwire.Webhook {
	t.Helper()
	w := &feedwire.Webhook{
		Name: "h", URL: "https://example.com/hook", Format: feedwire.FormatHarvestr,
		Topics: []feedwire.EventType{feedwire.MessageCreated}, Status: status, Secret: testSecret,
		Timeout: feedwire.DefaultWebhookTimeout, Headers: map[string]string{},
	}
	if err := f.store.CreateWebhook(context.Background(), f.workspace, w); err != nil {
		t.Fatal(err)
	}
	return w
}

func (f *fixture) claim(t *testing.T) []*feedwire.Claim {
	t.Helper()
	claimed, err := f.store.ClaimDeliveries(context.Background(), feedwire.ClaimRequest{Now: f.clock.Now(), Limit: 10, Lease: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return claimed.Claims
}

// TestOutbox checks that each event queues one delivery per active, subscribed webhook,
// and that a write that fails queues nothing.
func TestOutbox(t *testing.T) {
	f := setup(t)
	f.hook(t, feedwire.WebhookActive)
	f.hook(t, feedwire.WebhookActive)
	f.hook(t, feedwire.WebhookPaused)
	other := f.hook(t, feedwire.WebhookActive)
	if _, err := f.store.UpdateWebhook(context.Background(), f.workspace, other.ID,
		feedwire.WebhookPatch{Topics: feedwire.Set([]feedwire.EventType{feedwire.MessageUpdated})}, nil); err != nil {
		t.Fatal(err)
	}
	f.message(t)
	if _, err := f.store.CreateMessage(context.Background(), f.workspace, feedwire.MessageInput{Title: "x"}); err == nil {
		t.Fatal("an invalid message was stored")
	}
	if claims := f.claim(t); len(claims) != 2 {
		t.Errorf("got %d due deliveries, want 2 (the two active webhooks subscribed)", len(claims))
	}
}

// TestLeaseExpiry claims a delivery and never records it, as a worker that died would:
// when the lease ends the delivery is due again, and the dead claim's late record does
// not overwrite the new one's.
func TestLeaseExpiry(t *testing.T) {
	f := setup(t)
	f.hook(t, feedwire.WebhookActive)
	f.message(t)
	first := f.claim(t)
	if len(first) != 1 {
		t.Fatalf("claimed %d, want 1", len(first))
	}
	if again := f.claim(t); len(again) != 0 {
		t.Fatalf("a leased delivery was claimed again: %d", len(again))
	}
	f.clock.Advance(time.Minute)
	second := f.claim(t)
	if len(second) != 1 || second[0].Delivery.ID != first[0].Delivery.ID || second[0].Lease == first[0].Lease {
		t.Fatalf("after the lease: claimed %d, want the same delivery under a new lease", len(second))
	}

	ctx := context.Background()
	record := func(c *feedwire.Claim, outcome feedwire.Outcome) {
		t.Helper()
		a := feedwire.Attempt{DeliveryID: c.Delivery.ID, WebhookID: c.Webhook.ID, Number: 1, StartedAt: f.clock.Now(),
			RequestURL: c.Webhook.URL, ResponseStatus: 200, Outcome: outcome}
		if err := f.store.RecordAttempts(ctx, []feedwire.AttemptResult{{Claim: c, Attempt: a}}, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	record(second[0], feedwire.OutcomeDelivered)
	record(first[0], feedwire.OutcomeFailed) // the dead worker wakes up late
	d, err := f.store.Delivery(ctx, f.workspace, first[0].Delivery.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != feedwire.DeliverySucceeded {
		t.Errorf("delivery %s, want the live claim's succeeded", d.Status)
	}
	attempts, _ := f.store.Attempts(ctx, f.workspace, d.ID)
	if len(attempts) != 2 {
		t.Errorf("got %d attempts, want both recorded", len(attempts))
	}
}

// TestReleaseLeases is what a restart does on SQLite: every leased delivery is due now.
// (On Postgres a starting node releases nothing: TestNodesReleaseOnlyTheirOwnLeases.)
func TestReleaseLeases(t *testing.T) {
	f := setup(t)
	f.hook(t, feedwire.WebhookActive)
	f.message(t)
	f.claim(t)
	n, err := f.store.ReleaseLeases(context.Background(), f.clock.Now())
	if err != nil || n != 1 {
		t.Fatalf("released %d, %v; want 1", n, err)
	}
	if claims := f.claim(t); len(claims) != 1 {
		t.Errorf("claimed %d after release, want 1", len(claims))
	}
}

// TestPrune deletes what is older than the retention, pending deliveries included,
// and keeps what is newer.
func TestPrune(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.hook(t, feedwire.WebhookActive)
	f.message(t) // its delivery will succeed
	c := f.claim(t)[0]
	a := feedwire.Attempt{DeliveryID: c.Delivery.ID, WebhookID: c.Webhook.ID, Number: 1, StartedAt: f.clock.Now(),
		RequestURL: c.Webhook.URL, ResponseStatus: 200, Outcome: feedwire.OutcomeDelivered}
	if err := f.store.RecordAttempts(ctx, []feedwire.AttemptResult{{Claim: c, Attempt: a}}, time.Hour); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	f.message(t) // its delivery stays pending past the retention
	f.clock.Advance(48 * time.Hour)
	f.message(t) // its delivery is pending, and recent

	pruned, err := f.store.Prune(ctx, f.clock.Now().Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := feedwire.Pruned{Attempts: 1, Deliveries: 1, Events: 2, Expired: 1}
	if pruned != want {
		t.Errorf("pruned %+v, want %+v", pruned, want)
	}
	if evs := f.events(t); len(evs) != 1 {
		t.Errorf("%d events left, want the recent one", len(evs))
	}
	if depth, _ := f.store.QueueDepth(ctx); depth != 1 {
		t.Errorf("queue depth %d, want 1", depth)
	}
}

// TestClaimBounds: a claim never takes more of one webhook than its free concurrency,
// says when bounds held deliveries back, and takes them once an attempt has finished.
func TestClaimBounds(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	w := f.hook(t, feedwire.WebhookActive)
	for range 5 {
		f.message(t)
	}
	f.clock.Advance(time.Second)
	req := feedwire.ClaimRequest{Now: f.clock.Now(), Limit: 10, Lease: time.Minute, PerWebhook: 2}
	claim := func() *feedwire.Claimed {
		t.Helper()
		claimed, err := f.store.ClaimDeliveries(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return claimed
	}
	first := claim()
	if len(first.Claims) != 2 || !first.Held {
		t.Fatalf("claimed %d, held %v; want 2 and held: the webhook's bound is 2", len(first.Claims), first.Held)
	}
	req.InFlight = feedwire.InFlight{ByWebhook: map[string]int{w.ID: 2}, ByWorkspace: map[string]int{f.workspace: 2}}
	if again := claim(); len(again.Claims) != 0 || !again.Held {
		t.Fatalf("with 2 under way: claimed %d, held %v; want 0 and held", len(again.Claims), again.Held)
	}
	// An attempt that ended frees its place at once, before its result is recorded.
	req.InFlight = feedwire.InFlight{ByWebhook: map[string]int{w.ID: 1}, ByWorkspace: map[string]int{f.workspace: 1}}
	if next := claim(); len(next.Claims) != 1 {
		t.Errorf("after one ended: claimed %d, want 1", len(next.Claims))
	}
}

// TestClaimWithinEveryBound: a claim that may take all that each due webhook's bound
// allows takes each one's due deliveries, up to its bound, and says that a bound held
// some back; one that may take less shares it out by what each has due.
func TestClaimWithinEveryBound(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	mail := f.filteredHook(t, `{"data.channel": "MAIL"}`)
	all := f.hook(t, feedwire.WebhookActive)
	f.messageIn(t, "MAIL")
	for range 4 {
		f.messageIn(t, "SLACK")
	}
	f.clock.Advance(time.Second)
	claim := func(req feedwire.ClaimRequest) (*feedwire.Claimed, map[string]int) {
		t.Helper()
		req.Now, req.Lease = f.clock.Now(), time.Minute
		claimed, err := f.store.ClaimDeliveries(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		byWebhook := map[string]int{}
		for _, c := range claimed.Claims {
			byWebhook[c.Delivery.WebhookID]++
		}
		return claimed, byWebhook
	}

	// Each may take 3, and 6 fit in the claim: the filtered webhook's one, and 3 of
	// the other's 5, whose bound held 2 back.
	claimed, got := claim(feedwire.ClaimRequest{Limit: 10, PerWebhook: 3})
	if got[mail.ID] != 1 || got[all.ID] != 3 || !claimed.Held {
		t.Fatalf("claimed %v, held %v; want 1 of %s, 3 of %s, and held", got, claimed.Held, mail.ID, all.ID)
	}
	inFlight := feedwire.InFlight{ByWebhook: map[string]int{mail.ID: 1, all.ID: 3}, ByWorkspace: map[string]int{f.workspace: 4}}
	if claimed, got := claim(feedwire.ClaimRequest{Limit: 10, PerWebhook: 3, InFlight: inFlight}); len(got) != 0 || !claimed.Held {
		t.Fatalf("with every bound full: claimed %v, held %v; want none, and held", got, claimed.Held)
	}
	// With one under way, 2 are left and 1 may go: a claim of 1 takes it.
	inFlight = feedwire.InFlight{ByWebhook: map[string]int{all.ID: 2}, ByWorkspace: map[string]int{f.workspace: 2}}
	if claimed, got := claim(feedwire.ClaimRequest{Limit: 1, PerWebhook: 3, InFlight: inFlight}); got[all.ID] != 1 || !claimed.Next.Equal(f.clock.Now()) {
		t.Fatalf("a claim of 1: claimed %v, next %v; want 1 of %s, and to claim again now", got, claimed.Next, all.ID)
	}
}

// TestClaimOfAPacedWebhook: a claim that takes all a rate-limited webhook has due says
// neither that more is held back nor to claim again at its next slot.
func TestClaimOfAPacedWebhook(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	hook := f.hook(t, feedwire.WebhookActive)
	limit := feedwire.RateLimit{PerSecond: 10, Burst: 1}
	if _, err := f.store.UpdateWebhook(ctx, f.workspace, hook.ID, feedwire.WebhookPatch{RateLimit: feedwire.Set(limit)}, nil); err != nil {
		t.Fatal(err)
	}
	f.message(t)
	f.clock.Advance(time.Second)
	claimed, err := f.store.ClaimDeliveries(ctx, feedwire.ClaimRequest{Now: f.clock.Now(), Limit: 64, Lease: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed.Claims) != 1 || claimed.Held || !claimed.Next.IsZero() {
		t.Fatalf("claimed %d, held %v, next %v; want the one due, not held, and no time to claim again",
			len(claimed.Claims), claimed.Held, claimed.Next)
	}
}

// TestClaimsTakeTurns: a workspace with a backlog does not keep another waiting.
func TestClaimsTakeTurns(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.hook(t, feedwire.WebhookActive)
	for range 20 {
		f.message(t)
	}
	ws, _, err := f.store.CreateAPIKey(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	calm := &feedwire.Webhook{Name: "calm", URL: "https://example.com/calm", Format: feedwire.FormatHarvestr,
		Topics: []feedwire.EventType{feedwire.MessageCreated}, Status: feedwire.WebhookActive, Secret: testSecret,
		Timeout: feedwire.DefaultWebhookTimeout, Headers: map[string]string{}}
	if err := f.store.CreateWebhook(ctx, ws.ID, calm); err != nil {
		t.Fatal(err)
	}
	u, err := f.store.CreateUser(ctx, ws.ID, feedwire.UserInput{Name: "Bo", Type: feedwire.UserCustomer})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Second)
	if _, err := f.store.CreateMessage(ctx, ws.ID, feedwire.MessageInput{Title: "x", Content: "x", Channel: "MAIL",
		RequesterID: u.ID, SubmitterID: u.ID}); err != nil {
		t.Fatal(err)
	}
	claimed, err := f.store.ClaimDeliveries(ctx, feedwire.ClaimRequest{Now: f.clock.Now(), Limit: 4, Lease: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	byWorkspace := map[string]int{}
	for _, c := range claimed.Claims {
		byWorkspace[c.Delivery.WorkspaceID]++
	}
	if byWorkspace[ws.ID] != 1 || byWorkspace[f.workspace] != 3 {
		t.Errorf("claimed %v, want the newer workspace's one delivery among the 4, though 20 older ones were due", byWorkspace)
	}
}

// TestConcurrentRecordsOfOneWebhook: batches of attempts of one webhook recorded side
// by side (the dispatcher commits several at once) all succeed, on Postgres too, where
// each updates the webhook's health: none fails the others.
func TestConcurrentRecordsOfOneWebhook(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.hook(t, feedwire.WebhookActive)
	u := f.user(t, "Ada")
	const batches, perBatch = 12, 8
	for range batches * perBatch {
		if _, err := f.store.CreateMessage(ctx, f.workspace, feedwire.MessageInput{
			Title: "t", Content: "c", Channel: "INTERCOM", RequesterID: u.ID, SubmitterID: u.ID,
		}); err != nil {
			t.Fatal(err)
		}
	}
	claimed, err := f.store.ClaimDeliveries(ctx, feedwire.ClaimRequest{Now: f.clock.Now(), Limit: batches * perBatch, Lease: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed.Claims) != batches*perBatch {
		t.Fatalf("claimed %d, want %d", len(claimed.Claims), batches*perBatch)
	}
	errs := make(chan error, batches)
	for b := range batches {
		go func() {
			var results []feedwire.AttemptResult
			for _, c := range claimed.Claims[b*perBatch : (b+1)*perBatch] {
				results = append(results, feedwire.AttemptResult{Claim: c, Attempt: feedwire.Attempt{
					DeliveryID: c.Delivery.ID, WebhookID: c.Delivery.WebhookID, Number: 1, StartedAt: f.clock.Now(),
					RequestURL: c.Webhook.URL, RequestBody: []byte("{}"), ResponseStatus: 200, Outcome: feedwire.OutcomeDelivered,
				}})
			}
			errs <- f.store.RecordAttempts(ctx, results, time.Hour)
		}()
	}
	for range batches {
		if err := <-errs; err != nil {
			t.Errorf("record a batch: %v", err)
		}
	}
	page, err := f.store.Deliveries(ctx, f.workspace, feedwire.DeliveryFilter{
		ListParams: feedwire.ListParams{Limit: 100}, Status: feedwire.DeliverySucceeded})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != batches*perBatch {
		t.Errorf("%d deliveries succeeded, want %d", len(page.Items), batches*perBatch)
	}
}

// TestQueueStats counts pending deliveries as due, waiting (leased, or a retry later)
// and held (a paused webhook's), and finds how long the oldest due one has waited.
func TestQueueStats(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	stats := func() feedwire.QueueStats {
		t.Helper()
		s, err := f.store.QueueStats(ctx, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := stats(); s != (feedwire.QueueStats{}) {
		t.Errorf("an empty queue: %+v", s)
	}
	active := f.hook(t, feedwire.WebhookActive)
	paused := f.hook(t, feedwire.WebhookActive)
	f.message(t) // one delivery to each
	f.clock.Advance(30 * time.Second)
	f.message(t)
	if _, err := f.store.UpdateWebhook(ctx, f.workspace, paused.ID, feedwire.WebhookPatch{Status: feedwire.Set(feedwire.WebhookPaused)}, nil); err != nil {
		t.Fatal(err)
	}
	s := stats()
	if s.Due != 2 || s.Waiting != 0 || s.Held != 2 || s.OldestDue.IsZero() || f.clock.Now().Sub(s.OldestDue) != 30*time.Second {
		t.Errorf("two due to %s, two held: %+v (oldest due %v before now)", active.ID, s, f.clock.Now().Sub(s.OldestDue))
	}
	if claims := f.claim(t); len(claims) != 2 {
		t.Fatalf("claimed %d, want 2", len(claims))
	}
	if s := stats(); s.Due != 0 || s.Waiting != 2 || s.Held != 2 || !s.OldestDue.IsZero() {
		t.Errorf("both due ones claimed: %+v, want them waiting", s)
	}
}

// TestUpdateWhileAttemptsAreRecorded: a PATCH of a webhook whose attempts are recorded
// while the PATCH is checked succeeds (recording an attempt changes the webhook's
// health, not its settings), and keeps what was recorded.
func TestUpdateWhileAttemptsAreRecorded(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	hook := f.hook(t, feedwire.WebhookActive)
	f.message(t)
	c := f.claim(t)[0]
	recordDuringCheck := func(before, after *feedwire.Webhook) error {
		f.record(t, c, 503, feedwire.OutcomeRetry)
		return nil
	}
	f.clock.Advance(time.Second)
	got, err := f.store.UpdateWebhook(ctx, f.workspace, hook.ID, feedwire.WebhookPatch{Name: feedwire.Set("renamed")}, recordDuringCheck)
	if err != nil {
		t.Fatalf("a PATCH while an attempt was recorded: %v", err)
	}
	stored, err := f.store.Webhook(ctx, f.workspace, hook.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "renamed" || stored.Name != "renamed" || stored.Health.ErrorsSinceLastSuccess != 1 ||
		stored.LastStatus == nil || stored.LastStatus.Code != 503 {
		t.Errorf("after the PATCH: name %q, errors since success %d, last status %+v; want the name and the recorded attempt",
			stored.Name, stored.Health.ErrorsSinceLastSuccess, stored.LastStatus)
	}
}
