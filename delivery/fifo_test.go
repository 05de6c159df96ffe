package delivery_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/delivery"
)

// TestFIFOHoldsThroughFailures writes 12 messages to a FIFO webhook whose receiver
// fails the third delivery twice. The receiver sees them in the order they were
// written, the third three times in a row and none after it before it succeeds; while
// it waits for its retry, the deliveries behind it say what they wait for. An unordered
// webhook beside it is not held. On Postgres two nodes deliver side by side.
func TestFIFOHoldsThroughFailures(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for two retries, 1s each")
	}
	const messages = 12
	ctx := context.Background()
	c := newCluster(t)
	s, nodes := c.stores[0], len(c.stores)

	ordered := newInOrder(3, 2) // fails the third message's delivery twice
	unordered := newInOrder(3, 2)
	orderedServer, unorderedServer := httptest.NewServer(ordered), httptest.NewServer(unordered)
	t.Cleanup(orderedServer.Close)
	t.Cleanup(unorderedServer.Close)
	client := delivery.NewClient(true, 8)
	webhooks := delivery.NewWebhookService(s, client)
	var fifo *feedwire.Webhook
	for _, in := range []feedwire.WebhookInput{
		{Name: "fifo", URL: orderedServer.URL, Ordering: feedwire.OrderingFIFO},
		{Name: "unordered", URL: unorderedServer.URL},
	} {
		in.Format, in.Topics = feedwire.FormatHarvestr, []feedwire.EventType{feedwire.MessageCreated}
		in.RetrySchedule = []time.Duration{time.Second, time.Second, time.Second}
		w, err := webhooks.CreateWebhook(ctx, c.workspace, in)
		if err != nil {
			t.Fatal(err)
		}
		if w.Ordering == feedwire.OrderingFIFO {
			fifo = w
		}
	}

	c.deliver(t, client, delivery.Config{Workers: 16})
	for i := 1; i <= messages; i++ {
		c.message(t, i, fmt.Sprintf("message %d", i))
	}

	// While the third waits for its retry, the ones behind it say what they wait for.
	ordered.waitForFailure(t)
	page, err := s.Deliveries(ctx, c.workspace, feedwire.DeliveryFilter{WebhookID: fifo.ID, Status: feedwire.DeliveryPending, ListParams: feedwire.ListParams{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	var third string
	waiting := 0
	for _, d := range page.Items {
		if d.WaitingFor == nil {
			third = d.ID
		} else {
			waiting++
		}
	}
	for _, d := range page.Items {
		if d.WaitingFor != nil && *d.WaitingFor != third {
			t.Errorf("delivery %s waits for %s, want the failing one, %s", d.ID, *d.WaitingFor, third)
		}
	}

	got := ordered.waitFor(t, messages+2)
	want := []int{1, 2, 3, 3, 3}
	for i := 4; i <= messages; i++ {
		want = append(want, i)
	}
	t.Logf("FIFO, %d node(s): the receiver saw messages in the order %v (the third failed twice); %d deliveries waited behind it",
		nodes, got, waiting)
	if !slices.Equal(got, want) {
		t.Errorf("the FIFO receiver saw %v, want %v", got, want)
	}
	if waiting == 0 {
		t.Error("no pending delivery said what it waited for while the third was failing")
	}
	seen := unordered.waitFor(t, messages+2)
	lastThird := 0
	for i, n := range seen {
		if n == 3 {
			lastThird = i
		}
	}
	if slices.Index(seen, 4) > lastThird {
		t.Errorf("the unordered webhook held the fourth message behind the failing third: %v", seen)
	}
}

// inOrder is a receiver that notes the number of each message it gets, in order, and
// fails the deliveries of message failing the first failures times.
type inOrder struct {
	mu       sync.Mutex
	seen     []int
	failing  int
	failures int
	failed   chan struct{} // closed once the last failure is answered
	arrived  chan struct{}
}

func newInOrder(failing, failures int) *inOrder {
	return &inOrder{failing: failing, failures: failures, failed: make(chan struct{}), arrived: make(chan struct{}, 1)}
}

var messageNumber = regexp.MustCompile(`message (\d+)`)

func (o *inOrder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	m := messageNumber.FindSubmatch(body)
	if m == nil {
		return // the harvestr challenge
	}
	n, _ := strconv.Atoi(string(m[1]))
	o.mu.Lock()
	o.seen = append(o.seen, n)
	fail := n == o.failing && o.failures > 0
	if fail {
		if o.failures--; o.failures == 0 {
			defer close(o.failed)
		}
	}
	o.mu.Unlock()
	if fail {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	select {
	case o.arrived <- struct{}{}:
	default:
	}
}

func (o *inOrder) waitForFailure(t *testing.T) {
	t.Helper()
	select {
	case <-o.failed:
	case <-time.After(30 * time.Second):
		t.Fatal("the failing delivery did not fail twice within 30s")
	}
	time.Sleep(100 * time.Millisecond) // its second failure recorded
}

// waitFor waits until n requests arrived and returns their message numbers in order.
func (o *inOrder) waitFor(t *testing.T, n int) []int {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		o.mu.Lock()
		seen := slices.Clone(o.seen)
		o.mu.Unlock()
		if len(seen) >= n {
			return seen
		}
		select {
		case <-o.arrived:
		case <-deadline:
			t.Fatalf("%d of %d requests arrived within 30s: %v", len(seen), n, seen)
		}
	}
}
