package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/feedwire/feedwire/client"
	"github.com/feedwire/feedwire/httpapi"
	"github.com/feedwire/feedwire/internal/testpg"
	"github.com/feedwire/feedwire/webhook"
)

// openStream is a listen stream opened by the Go client, its messages on channels.
type openStream struct {
	session    client.ListenSession
	sessions   chan client.ListenSession
	deliveries chan client.ListenDelivery
	done       chan error // what Listen returned
	stop       context.CancelFunc
}

func listenTo(t *testing.T, url, key string, o client.ListenOptions) *openStream {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	s := &openStream{sessions: make(chan client.ListenSession, 1), deliveries: make(chan client.ListenDelivery, 100),
		done: make(chan error, 1), stop: stop}
	t.Cleanup(stop)
	go func() {
		s.done <- client.New(url, key).Listen(ctx, o, func(ls client.ListenSession) { s.sessions <- ls },
			func(d client.ListenDelivery) error { s.deliveries <- d; return nil })
	}()
	select {
	case s.session = <-s.sessions:
	case err := <-s.done:
		t.Fatalf("the stream ended before its session: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no session within 10 s")
	}
	return s
}

func (s *openStream) next(t *testing.T) client.ListenDelivery {
	t.Helper()
	select {
	case d := <-s.deliveries:
		return d
	case err := <-s.done:
		t.Fatalf("the stream ended: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery within 10 s")
	}
	panic("unreachable")
}

// TestListenStream: GET /v1/listen sends the workspace's events of the asked format, in
// order, each signed with a secret of the API key that the Standard Webhooks library
// verifies; the secret is the same for every stream of the key and differs for another
// key; Last-Event-ID resumes after an event; the server ends its streams at shutdown,
// and a stream's request ends when its client goes away.
func TestListenStream(t *testing.T) {
	dsn, secretKey := testpg.NewDatabase(t)
	streams := httpapi.NewStreams()
	ended := make(chan struct{}, 10)
	s, srv := newTestServerWith(t, dsn, secretKey, func(svc *httpapi.Services) {
		svc.Streams = streams
		svc.Requested = func(method, route string, status int, took time.Duration) {
			if route == "/v1/listen" {
				ended <- struct{}{}
			}
		}
	})
	ctx := context.Background()
	_, key, err := s.CreateAPIKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	a := &api{t: t, url: srv.URL, key: key.Secret}
	user := a.must(201, "POST", "/v1/users", `{"name":"Ada","type":"customer"}`)["id"].(string)
	a.must(201, "POST", "/v1/messages", `{"title":"Before","content":"sent before the stream opened","channel":"SLACK","requesterId":"`+user+`","submitterId":"`+user+`"}`)

	first := listenTo(t, srv.URL, key.Secret, client.ListenOptions{Format: "harvestr"})
	session := first.session
	second := listenTo(t, srv.URL, key.Secret, client.ListenOptions{})
	message := func(title string) string {
		return a.must(201, "POST", "/v1/messages", `{"title":"`+title+`","content":"c","channel":"SLACK","requesterId":"`+user+`","submitterId":"`+user+`"}`)["id"].(string)
	}
	message("One")
	board := a.must(201, "POST", "/v1/boards", `{"name":"Ideas"}`)["id"].(string)
	a.must(201, "POST", "/v1/posts", `{"title":"A post","content":"c","boardId":"`+board+`","authorId":"`+user+`"}`)
	message("Two")

	wh, err := standardwebhooks.NewWebhook(session.Secret)
	if err != nil {
		t.Fatal(err)
	}
	var lastEventID string
	for _, want := range []string{"One", "Two"} { // not the post: the stream is harvestr's only
		d := first.next(t)
		if err := wh.Verify([]byte(d.Body), d.Header()); err != nil {
			t.Errorf("the Standard Webhooks library refused delivery %s: %v", d.EventID, err)
		}
		if err := webhook.Verify(session.Secret, d.Header(), []byte(d.Body)); err != nil {
			t.Errorf("webhook.Verify refused delivery %s (the harvestr signature): %v", d.EventID, err)
		}
		var body struct {
			ID    string `json:"id"`
			Event string `json:"event"`
			Data  struct {
				Title string `json:"title"`
			} `json:"data"`
		}
		json.Unmarshal([]byte(d.Body), &body)
		if d.Type != "MESSAGE_CREATED" || body.Event != "MESSAGE_CREATED" || body.Data.Title != want || body.ID != d.EventID {
			t.Errorf("got delivery %s %s of %q (envelope id %s), want MESSAGE_CREATED of %q with the event id", d.EventID, d.Type, body.Data.Title, body.ID, want)
		}
		if d.Headers["X-Harvestr-Webhook-Signature"] == "" || d.Headers["Webhook-Signature"] == "" {
			t.Errorf("delivery %s lacks a signature header: %v", d.EventID, d.Headers)
		}
		lastEventID = d.EventID
	}
	var topics []string
	for range 4 { // both formats: One, the post, Two; nothing before the stream opened
		select {
		case d := <-second.deliveries:
			topics = append(topics, d.Type)
		case <-time.After(500 * time.Millisecond):
		}
	}
	if strings.Join(topics, " ") != "MESSAGE_CREATED post.created MESSAGE_CREATED" {
		t.Errorf("the stream of both formats sent %v, want MESSAGE_CREATED post.created MESSAGE_CREATED", topics)
	}

	_, other, err := s.CreateAPIKey(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if again := sessionOf(t, srv.URL, key.Secret); again.Secret != session.Secret || again.WebhookID != session.WebhookID {
		t.Errorf("a second stream of the key has secret %s, want the first's %s", again.Secret, session.Secret)
	}
	if theirs := sessionOf(t, srv.URL, other.Secret); theirs.Secret == session.Secret {
		t.Error("another API key's streams have the same secret")
	}

	// The client goes away: its request ends. Then Last-Event-ID resumes after Two.
	awaitEnd := func(what string) {
		select {
		case <-ended:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s did not end within 5 s of its client going away", what)
		}
	}
	awaitEnd("the first stream of sessionOf")
	awaitEnd("the second stream of sessionOf")
	first.stop()
	awaitEnd("the first stream")
	message("Three")
	resumed := listenTo(t, srv.URL, key.Secret, client.ListenOptions{Format: "harvestr", LastEventID: lastEventID})
	if d := resumed.next(t); !strings.Contains(d.Body, `"Three"`) {
		t.Errorf("after Last-Event-ID %s, got %s, want the message Three", lastEventID, d.Body)
	}

	// Shutdown ends every open stream at once.
	stopped, stop := context.WithCancel(ctx)
	stop()
	streams.Run(stopped)
	for _, open := range []*openStream{second, resumed} {
		select {
		case err := <-open.done:
			if !errors.Is(err, client.ErrStreamEnded) {
				t.Errorf("at shutdown, Listen returned %v, want ErrStreamEnded", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a stream was still open 5 s after shutdown began")
		}
	}
}

// sessionOf opens a stream of key and returns its session.
func sessionOf(t *testing.T, url, key string) client.ListenSession {
	t.Helper()
	s := listenTo(t, url, key, client.ListenOptions{})
	s.stop()
	return s.session
}

// TestListenRefusesBadRequests: a stream that could not be what was asked is refused
// before it opens, with a problem naming the bad part.
func TestListenRefusesBadRequests(t *testing.T) {
	a := setup(t)
	for _, tt := range []struct{ query, header, location string }{
		{"?type=NOPE", "", "query.type[0]"},
		{"?format=harvestr&type=post.created", "", "query.type[0]"},
		{"?format=xml", "", "query.format"},
		{"", "not-an-event-id", "header.Last-Event-ID"},
	} {
		status, problem := a.doWith("GET", "/v1/listen"+tt.query, "", map[string]string{"Last-Event-ID": tt.header})
		if status != 422 || !strings.Contains(problemText(problem), tt.location) {
			t.Errorf("GET /v1/listen%s (Last-Event-ID %q): got %d %v, want 422 naming %s", tt.query, tt.header, status, problem, tt.location)
		}
	}
	err := client.New(a.url, "fw_not_a_key").Listen(context.Background(), client.ListenOptions{},
		func(client.ListenSession) {}, func(client.ListenDelivery) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "not valid") {
		t.Errorf("a stream with a bad key: got %v, want the 401's problem", err)
	}
}
