package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/feedwire/feedwire"
)

// TestEveryFeaturebaseTopic fires each of the 24 featurebase topics through the REST API
// at a local receiver. The receiver verifies every delivery as Featurebase documents it
// (X-Webhook-Signature: hex HMAC-SHA256 keyed with the whole whsec_ string over
// timestamp.body; X-Webhook-Timestamp within 5 minutes) and with the official Standard
// Webhooks library, and the test checks each payload against the topic's JSON Schema
// from GET /v1/event-types and seed 004's rules on changes and conversation fields.
func TestEveryFeaturebaseTopic(t *testing.T) {
	s := startServer(t, "--allow-private-networks")
	key := s.createKey(t, "acme")
	rcv := newFeaturebaseReceiver(t)
	topics := make([]string, len(feedwire.FeaturebaseTopics))
	for i, topic := range feedwire.FeaturebaseTopics {
		topics[i] = string(topic)
	}
	hook := call(t, key, "POST", s.url+"/v1/webhooks", map[string]any{
		"name": "every topic", "url": rcv.URL, "format": "featurebase", "topics": topics,
	}, 201)
	rcv.setSecret(t, hook["secret"].(string))

	fire := newFeaturebaseScript(t, s.url, key)
	fire.all()

	schemas := topicSchemas(t, s.url, key)
	for _, topic := range topics {
		d := rcv.await(t, topic)
		t.Run(topic, func(t *testing.T) {
			if schemas[topic] == nil {
				t.Fatal("GET /v1/event-types has no schema of this topic")
			}
			if err := schemas[topic].Validate(decodeJSON(t, d.body)); err != nil {
				t.Errorf("payload does not match the topic's schema: %v\n%s", err, d.body)
			}
			var p struct {
				ID             string  `json:"id"`
				ConversationID *string `json:"conversationId"`
				Data           struct {
					Changes []json.RawMessage `json:"changes"`
				} `json:"data"`
			}
			if err := json.Unmarshal(d.body, &p); err != nil {
				t.Fatal(err)
			}
			if d.header.Get("webhook-id") != p.ID {
				t.Errorf("webhook-id %q, envelope id %q", d.header.Get("webhook-id"), p.ID)
			}
			if conversation := strings.HasPrefix(topic, "conversation"); conversation != (p.ConversationID != nil) {
				t.Errorf("conversationId %v on %s", p.ConversationID, topic)
			}
			if changes := hasChanges[topic]; changes != (len(p.Data.Changes) > 0) {
				t.Errorf("data.changes %d entries, want changes: %v", len(p.Data.Changes), changes)
			}
		})
	}
}

// hasChanges are the update and state-change topics: seed 004 gives them data.changes.
var hasChanges = map[string]bool{
	"post.updated": true, "comment.updated": true,
	"conversation.admin.closed": true, "conversation.admin.opened": true,
	"conversation.admin.snoozed": true, "conversation.admin.unsnoozed": true,
	"conversation.admin.assigned": true, "conversation.priority.updated": true,
	"conversation.handover_requested": true, "conversation.contact.attached": true,
	"conversation.contact.detached": true, "conversation.read": true,
}

// TestSnoozeEndsByItself snoozes a conversation for 2 seconds and waits, sending nothing:
// the conversation reopens and conversation.admin.unsnoozed is delivered, once.
func TestSnoozeEndsByItself(t *testing.T) {
	s := startServer(t, "--allow-private-networks")
	key := s.createKey(t, "acme")
	rcv := newFeaturebaseReceiver(t)
	hook := call(t, key, "POST", s.url+"/v1/webhooks", map[string]any{
		"name": "unsnooze", "url": rcv.URL, "format": "featurebase",
		"topics": []string{"conversation.admin.snoozed", "conversation.admin.unsnoozed"},
	}, 201)
	rcv.setSecret(t, hook["secret"].(string))
	fire := newFeaturebaseScript(t, s.url, key)
	fire.users()
	conversation := fire.conversation()
	until := time.Now().Add(2 * time.Second).UTC()
	fire.patch("/v1/conversations/"+conversation, map[string]any{"state": "snoozed", "snoozedUntil": until.Format(time.RFC3339Nano)})
	rcv.await(t, "conversation.admin.snoozed")

	d := rcv.await(t, "conversation.admin.unsnoozed")
	if d.at.Before(until.Truncate(time.Millisecond)) { // the server keeps milliseconds
		t.Errorf("unsnoozed at %v, before the snooze ended at %v", d.at, until)
	}
	var p struct {
		Data struct {
			Item struct {
				State        string  `json:"state"`
				SnoozedUntil *string `json:"snoozedUntil"`
			} `json:"item"`
		} `json:"data"`
	}
	if err := json.Unmarshal(d.body, &p); err != nil || p.Data.Item.State != "open" || p.Data.Item.SnoozedUntil != nil {
		t.Errorf("unsnoozed item %+v (%v), want state open, no snoozedUntil", p.Data.Item, err)
	}
	got := call(t, key, "GET", s.url+"/v1/conversations/"+conversation, nil, 200)
	if got["state"] != "open" {
		t.Errorf("conversation state %v after the snooze ended, want open", got["state"])
	}
	if n := rcv.count("conversation.admin.unsnoozed"); n != 1 {
		t.Errorf("conversation.admin.unsnoozed delivered %d times, want once", n)
	}
}

// featurebaseScript drives the REST API to fire featurebase topics.
type featurebaseScript struct {
	t                        *testing.T
	url, key                 string
	admin, contact, bot, ann string // user ids
}

func newFeaturebaseScript(t *testing.T, url, key string) *featurebaseScript {
	return &featurebaseScript{t: t, url: url, key: key}
}

func (f *featurebaseScript) post(path string, body any, want int) map[string]any {
	f.t.Helper()
	return call(f.t, f.key, "POST", f.url+path, body, want)
}

func (f *featurebaseScript) patch(path string, body any) map[string]any {
	f.t.Helper()
	return call(f.t, f.key, "PATCH", f.url+path, body, 200)
}

func (f *featurebaseScript) delete(path string) {
	f.t.Helper()
	callRaw(f.t, f.key, "DELETE", f.url+path, nil, 200)
}

func (f *featurebaseScript) users() {
	f.t.Helper()
	user := func(name, typ string) string {
		return f.post("/v1/users", map[string]any{"name": name, "email": name + "@example.com", "type": typ}, 201)["id"].(string)
	}
	f.admin, f.contact, f.bot, f.ann = user("grace", "admin"), user("ada", "customer"), user("fin", "bot"), user("ann", "lead")
}

func (f *featurebaseScript) conversation() string {
	f.t.Helper()
	return f.post("/v1/conversations", map[string]any{
		"title": "Export fails", "contactId": f.contact, "bodyMarkdown": "My **export** fails since this morning.",
	}, 201)["id"].(string)
}

// all fires every featurebase topic at least once.
func (f *featurebaseScript) all() {
	f.t.Helper()
	f.users()
	board := f.post("/v1/boards", map[string]any{"name": "Feature requests"}, 201)["id"].(string)
	post := f.post("/v1/posts", map[string]any{
		"title": "Dark mode", "content": "<p>Please add a dark mode.</p>", "boardId": board, "authorId": f.contact,
	}, 201)["id"].(string) // post.created
	f.patch("/v1/posts/"+post, map[string]any{"title": "Dark mode for the dashboard", "isPinned": true}) // post.updated
	f.post("/v1/posts/"+post+"/votes", map[string]any{"voterId": f.ann}, 200)                            // post.voted
	comment := f.post("/v1/comments", map[string]any{
		"postId": post, "content": "<p>Yes please</p>", "authorId": f.ann,
	}, 201)["id"].(string) // comment.created
	f.patch("/v1/comments/"+comment, map[string]any{"content": "<p>Yes please!</p>"}) // comment.updated
	f.delete("/v1/comments/" + comment)                                               // comment.deleted
	changelog := f.post("/v1/changelogs", map[string]any{
		"title": "Dark mode is here", "content": "<p>Switch it on in settings.</p>",
		"categories": []map[string]any{{"name": "New", "sendEmailNotification": true}},
	}, 201)["id"].(string)
	f.post("/v1/changelogs/"+changelog+"/publish", map[string]any{"locale": "en"}, 200) // changelog.published
	f.delete("/v1/posts/" + post)                                                       // post.deleted

	conv := f.conversation() // conversation.user.created
	path := "/v1/conversations/" + conv
	f.post(path+"/parts", map[string]any{"partType": "user_msg", "authorId": f.contact, "bodyMarkdown": "Any news?"}, 201)       // user.replied
	f.post(path+"/parts", map[string]any{"partType": "admin_msg", "authorId": f.admin, "bodyMarkdown": "Looking into it."}, 201) // admin.replied
	note := f.post(path+"/parts", map[string]any{"partType": "admin_note", "authorId": f.admin, "bodyMarkdown": "CSV bug"}, 201) // admin.noted
	f.post(path+"/parts/"+note["id"].(string)+"/redact", nil, 200)                                                               // conversation_part.redacted
	f.patch(path, map[string]any{"adminAssigneeId": f.admin})                                                                    // admin.assigned
	f.patch(path, map[string]any{"priority": true})                                                                              // priority.updated
	f.patch(path, map[string]any{"botConversationState": "handed_off_to_human"})                                                 // handover_requested
	f.post(path+"/participants", map[string]any{"userId": f.ann}, 200)                                                           // contact.attached
	f.delete(path + "/participants/" + f.ann)                                                                                    // contact.detached
	f.post(path+"/read", map[string]any{"userId": f.admin}, 200)                                                                 // conversation.read
	f.patch(path, map[string]any{"state": "snoozed", "snoozedUntil": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})      // admin.snoozed
	f.patch(path, map[string]any{"state": "open"})                                                                               // admin.unsnoozed
	f.patch(path, map[string]any{"state": "closed"})                                                                             // admin.closed
	f.patch(path, map[string]any{"state": "open"})                                                                               // admin.opened
	f.delete(path)                                                                                                               // conversation.deleted
}

// arrival is one request the receiver verified.
type arrival struct {
	header http.Header
	body   []byte
	at     time.Time
}

// featurebaseReceiver verifies each request as a Featurebase receiver must, answers 401
// to anything that fails, and keeps the verified ones by topic.
type featurebaseReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	secret   string
	verifier *standardwebhooks.Webhook
	byTopic  map[string][]arrival
	failures []string
	arrived  chan struct{}
}

func newFeaturebaseReceiver(t *testing.T) *featurebaseReceiver {
	r := &featurebaseReceiver{byTopic: map[string][]arrival{}, arrived: make(chan struct{}, 1)}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *featurebaseReceiver) setSecret(t *testing.T, secret string) {
	verifier, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	r.secret, r.verifier = secret, verifier
	r.mu.Unlock()
}

func (r *featurebaseReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.verify(req.Header, body, now); err != nil {
		r.failures = append(r.failures, err.Error())
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var p struct {
		Topic string `json:"topic"`
	}
	json.Unmarshal(body, &p)
	r.byTopic[p.Topic] = append(r.byTopic[p.Topic], arrival{req.Header.Clone(), body, now})
	select {
	case r.arrived <- struct{}{}:
	default:
	}
}

// verify checks the Featurebase signature and the Standard Webhooks one; r.mu is held.
func (r *featurebaseReceiver) verify(h http.Header, body []byte, now time.Time) error {
	if r.secret == "" {
		return fmt.Errorf("a request came before the webhook existed")
	}
	ts := h.Get("X-Webhook-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("X-Webhook-Timestamp %q is not Unix seconds", ts)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("X-Webhook-Timestamp %s is %v away", ts, d)
	}
	mac := hmac.New(sha256.New, []byte(r.secret)) // the whole whsec_ string, as Featurebase keys it
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(h.Get("X-Webhook-Signature")), []byte(want)) {
		return fmt.Errorf("X-Webhook-Signature %q, want %q", h.Get("X-Webhook-Signature"), want)
	}
	if err := r.verifier.Verify(body, h); err != nil {
		return fmt.Errorf("webhook-signature: %w", err)
	}
	return nil
}

// await waits up to 10s for a verified delivery of the topic and returns the first.
func (r *featurebaseReceiver) await(t *testing.T, topic string) arrival {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		got, failures := r.byTopic[topic], r.failures
		r.mu.Unlock()
		if len(failures) > 0 {
			t.Fatalf("the receiver refused deliveries: %v", failures)
		}
		if len(got) > 0 {
			return got[0]
		}
		select {
		case <-r.arrived:
		case <-deadline:
			t.Fatalf("no verified %s delivery arrived within 10s", topic)
		}
	}
}

func (r *featurebaseReceiver) count(topic string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byTopic[topic])
}

// topicSchemas compiles the JSON Schema of every event type that the API lists.
func topicSchemas(t *testing.T, url, key string) map[string]*jsonschema.Schema {
	t.Helper()
	list := call(t, key, "GET", url+"/v1/event-types", nil, 200)
	schemas := map[string]*jsonschema.Schema{}
	for _, item := range list["data"].([]any) {
		et := item.(map[string]any)
		raw, err := json.Marshal(et["schema"])
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		name := et["name"].(string)
		if err := c.AddResource(name+".json", decodeJSON(t, raw)); err != nil {
			t.Fatal(err)
		}
		if schemas[name], err = c.Compile(name + ".json"); err != nil {
			t.Fatalf("compile the schema of %s: %v", name, err)
		}
	}
	return schemas
}

func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return v
}
