package portal_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/delivery"
	"github.com/feedwire/feedwire/httpapi"
	"github.com/feedwire/feedwire/internal/testpg"
	"github.com/feedwire/feedwire/portal"
	"github.com/feedwire/feedwire/store"
	"github.com/feedwire/feedwire/wire"
)

// world is feedwire as serve runs it, on a test server: the API and the portal on a
// real store, with deliveries and jobs running. Private networks are allowed, for the
// test receivers on 127.0.0.1. Two workspaces, A and B, have a key each.
type world struct {
	url        string
	store      *store.Store
	webhooks   feedwire.WebhookService
	wsA, wsB   string
	keyA, keyB string
	keyAID     string
	routes     sync.Map // every route the request metrics were told of
}

// newWorld starts a world whose public URL is the test server's own.
func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldAt(t, "")
}

// newWorldAt starts a world whose public URL is publicURL, or the server's own when "".
func newWorldAt(t *testing.T, publicURL string) *world {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv := httptest.NewUnstartedServer(nil)
	if publicURL == "" {
		publicURL = "http://" + srv.Listener.Addr().String()
	}
	dsn, secretKey := testpg.NewDatabase(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	w := &world{}
	var dispatcher *delivery.Dispatcher
	var jobs *delivery.Jobs
	s, err := store.Open(ctx, dsn, store.Options{PublicURL: publicURL, SecretKey: secretKey,
		AfterCommit: func(_ []feedwire.EventType, deliveries int) {
			if deliveries > 0 {
				dispatcher.Wake()
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	client := delivery.NewClient(true, 4)
	dispatcher = delivery.NewDispatcher(s, client, logger, delivery.Config{Workers: 4})
	jobs = delivery.NewJobs(s, logger)
	catalog, err := wire.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	webhooks := delivery.NewWebhookService(s, client)
	p, err := portal.New(portal.Services{Workspaces: s, Webhooks: webhooks, Deliveries: s, Jobs: jobs, Events: s,
		Users: s, Posts: s, Comments: s, Conversations: s, Attempts: s, Catalog: catalog, PublicURL: publicURL, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	h, err := httpapi.NewServer(logger, httpapi.Services{
		Workspaces: s, Users: s, Messages: s, DiscoveryStates: s, Discoveries: s, Components: s, Feedback: s,
		Events: s, Webhooks: webhooks, Deliveries: s, Jobs: jobs, Boards: s, Posts: s, Comments: s, Changelogs: s,
		Conversations: s, Ping: s.Ping, Portal: p, PublicURL: publicURL,
		Requested: func(_, route string, _ int, _ time.Duration) { w.routes.Store(route, true) },
	}, catalog)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	var wg sync.WaitGroup
	wg.Go(func() { dispatcher.Run(ctx) })
	wg.Go(func() { jobs.Run(ctx) })
	t.Cleanup(func() {
		srv.Close()
		cancel()
		wg.Wait()
		s.Close()
	})
	w.url, w.store, w.webhooks = srv.URL, s, webhooks
	wsA, keyA, err := s.CreateAPIKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	wsB, keyB, err := s.CreateAPIKey(ctx, "globex")
	if err != nil {
		t.Fatal(err)
	}
	w.wsA, w.keyA, w.keyAID, w.wsB, w.keyB = wsA.ID, keyA.Secret, keyA.ID, wsB.ID, keyB.Secret
	return w
}

// browser is a plain HTTP client with a cookie jar that does not follow redirects,
// so tests see where each answer sends it.
type browser struct {
	t      *testing.T
	w      *world
	client *http.Client
}

func (w *world) browser(t *testing.T) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, w: w, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is an answer: its status, body and where it redirects.
type page struct {
	status   int
	body     string
	location string
	cookies  []*http.Cookie
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, body: string(body), location: resp.Header.Get("Location"), cookies: resp.Cookies()}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.w.url+path, nil)
	return b.do(req)
}

// post sends a form as a page of the portal would: from the portal's origin.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	return b.postFrom(b.w.url, path, form)
}

// postFrom sends a form with origin as its Origin header; none when "".
func (b *browser) postFrom(origin, path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.w.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return b.do(req)
}

// signIn signs in with key and checks that it worked.
func (b *browser) signIn(key string) {
	b.t.Helper()
	if p := b.post("/signin", url.Values{"key": {key}}); p.status != http.StatusSeeOther {
		b.t.Fatalf("sign in: got %d, want 303\n%s", p.status, p.body)
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of the session, from a page's forms.
func (b *browser) csrf() string {
	b.t.Helper()
	m := csrfField.FindStringSubmatch(b.get("/webhooks").body)
	if m == nil {
		b.t.Fatal("no CSRF token on /webhooks")
	}
	return m[1]
}

// featurebaseHook creates a featurebase webhook of a workspace to url (no challenge).
func (w *world) featurebaseHook(t *testing.T, workspaceID, name, url string, topics ...feedwire.EventType) *feedwire.Webhook {
	t.Helper()
	hook, err := w.webhooks.CreateWebhook(context.Background(), workspaceID, feedwire.WebhookInput{
		Name: name, URL: url, Format: feedwire.FormatFeaturebase, Topics: topics})
	if err != nil {
		t.Fatal(err)
	}
	return hook
}

// content is a workspace's conversation and post, with the events they emitted.
type content struct {
	conversation *feedwire.Conversation
	post         *feedwire.Post
}

// addContent gives a workspace a contact, a conversation with a reply, a board and a
// post with a vote and a comment.
func (w *world) addContent(t *testing.T, workspaceID string) content {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	contact, err := w.store.CreateUser(ctx, workspaceID, feedwire.UserInput{Name: "Ada Lovelace", Type: feedwire.UserCustomer})
	must(err)
	admin, err := w.store.CreateUser(ctx, workspaceID, feedwire.UserInput{Name: "Grace Hopper", Type: feedwire.UserAdmin})
	must(err)
	c, err := w.store.CreateConversation(ctx, workspaceID, feedwire.ConversationInput{
		Title: "CSV export fails", ContactID: contact.ID, BodyMarkdown: "The export to CSV stops at 1,000 rows."})
	must(err)
	_, err = w.store.AddPart(ctx, workspaceID, c.ID, feedwire.PartInput{Type: feedwire.PartAdminMessage, AuthorID: admin.ID,
		BodyMarkdown: "Thanks Ada, we are looking into it."})
	must(err)
	c, err = w.store.UpdateConversation(ctx, workspaceID, c.ID, feedwire.ConversationPatch{AdminAssigneeID: feedwire.Set(admin.ID)})
	must(err)
	board, err := w.store.CreateBoard(ctx, workspaceID, feedwire.BoardInput{Name: "Feature requests"})
	must(err)
	p, err := w.store.CreatePost(ctx, workspaceID, feedwire.PostInput{Title: "Dark mode", Content: "<p>Please add a <b>dark</b> theme.</p>",
		BoardID: board.ID, AuthorID: contact.ID})
	must(err)
	_, err = w.store.Vote(ctx, workspaceID, p.ID, admin.ID, feedwire.VoteAdd)
	must(err)
	_, err = w.store.CreateComment(ctx, workspaceID, feedwire.CommentInput{PostID: p.ID, Content: "<p>Yes, please!</p>", AuthorID: admin.ID})
	must(err)
	p, err = w.store.Post(ctx, workspaceID, p.ID)
	must(err)
	return content{conversation: c, post: p}
}

// waitFor polls cond until it holds, for at most 10 s: deliveries happen in the
// background.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
