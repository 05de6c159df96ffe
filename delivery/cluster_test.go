package delivery_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/delivery"
	"github.com/feedwire/feedwire/internal/testpg"
	"github.com/feedwire/feedwire/store"
)

// cluster is the nodes of one new database, a store each, for the tests of what must
// hold across nodes: two on Postgres, one on SQLite (where one process owns the
// database). A commit on any node wakes the dispatchers of all, as Postgres's
// notifications do between processes. It has a workspace and a user to write as.
type cluster struct {
	stores    []*store.Store
	workspace string
	user      string

	mu          sync.Mutex
	dispatchers []*delivery.Dispatcher
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	ctx := context.Background()
	dsn, key := testpg.NewDatabase(t)
	nodes := 1
	if testpg.Engine() == "postgres" {
		nodes = 2
	}
	c := &cluster{}
	for range nodes {
		s, err := store.Open(ctx, dsn, store.Options{SecretKey: key, AfterCommit: c.wake})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		c.stores = append(c.stores, s)
	}
	if err := c.stores[0].Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ws, _, err := c.stores[0].CreateAPIKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	user, err := c.stores[0].CreateUser(ctx, ws.ID, feedwire.UserInput{Name: "Ada", Type: feedwire.UserCustomer})
	if err != nil {
		t.Fatal(err)
	}
	c.workspace, c.user = ws.ID, user.ID
	return c
}

func (c *cluster) wake(_ []feedwire.EventType, deliveries int) {
	if deliveries == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range c.dispatchers {
		d.Wake()
	}
}

// deliver starts a dispatcher on every node, stopped when t ends.
func (c *cluster) deliver(t *testing.T, client *http.Client, config delivery.Config) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	var running sync.WaitGroup
	t.Cleanup(func() { stop(); running.Wait() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, s := range c.stores {
		d := delivery.NewDispatcher(s, client, logger, config)
		c.mu.Lock()
		c.dispatchers = append(c.dispatchers, d)
		c.mu.Unlock()
		running.Go(func() { d.Run(ctx) })
	}
}

// message writes a message with this title on node i (of as many as there are).
func (c *cluster) message(t *testing.T, i int, title string) {
	t.Helper()
	_, err := c.stores[i%len(c.stores)].CreateMessage(context.Background(), c.workspace, feedwire.MessageInput{
		Title: title, Content: "x", Channel: "MAIL", RequesterID: c.user, SubmitterID: c.user,
	})
	if err != nil {
		t.Error(err)
	}
}
