package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/feedwire/feedwire/wire"
)

// TestMirrorFromEvents holds feedwire to what a receiver relies on: replaying, in order,
// every event that a sequence of writes emitted into a mirror gives exactly what GET
// shows. Random sequences of writes on messages, discoveries, components, feedback,
// posts, votes, comments, conversations and their parts, users and post statuses
// (legal and illegal ones alike) run through the API;
// after each one, the new events are checked against their topic's schema in the
// catalog (which says, for instance, that conversation.admin.closed shows a closed
// conversation), their changes are checked against the difference between what the
// mirror held and the new item, they are applied to the mirror, and every resource is
// compared with GET.
//
// The mirror knows only the events and the rules the README gives for what an event
// implies about other resources: post.voted moves the post's upvotes, comment.created
// and comment.deleted its commentCount, a new part its conversation's activity, a
// redaction the conversation's source, and conversation.deleted takes the parts along.
func TestMirrorFromEvents(t *testing.T) {
	const writes, compareEvery = 200, 5
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			w := newMirrorWorld(t, seed)
			var recent []string
			for i := range writes {
				recent = append(recent, fmt.Sprintf("%d: %s", i, w.step()))
				w.sync()
				// Comparing everything after every write would be slow under the race
				// detector; a silent change is still caught within a few writes.
				if i%compareEvery != compareEvery-1 && i != writes-1 {
					continue
				}
				if diff := w.compare(); diff != "" {
					t.Fatalf("after these writes:\n%s\nthe mirror differs from GET:\n%s", strings.Join(recent, "\n"), diff)
				}
				recent = recent[:0]
			}
			t.Logf("%d writes (%d refused) emitted %d events; the mirror holds %d harvestr resources, %d posts, %d comments, %d conversations, %d parts",
				writes, w.refused, w.mirror.events, len(w.mirror.harvestr), len(w.mirror.posts), len(w.mirror.comments),
				len(w.mirror.conversations), len(w.mirror.parts))
			t.Logf("events by type: %v", w.mirror.byType)
		})
	}
}

// mirror is a receiver's copy of the featurebase resources, built from events alone.
type mirror struct {
	harvestr                              map[string]map[string]any // messages, discoveries, components, feedback
	posts, comments, conversations, parts map[string]map[string]any
	events                                int
	byType                                map[string]int
	lastEventID                           string
}

type object = map[string]any

func (m *mirror) apply(t *testing.T, ev object) {
	t.Helper()
	m.events++
	m.byType[ev["type"].(string)]++
	payload := ev["payload"].(object)
	if ev["format"] == "harvestr" {
		m.applyHarvestr(t, ev["type"].(string), payload)
		return
	}
	topic := ev["type"].(string)
	item := payload["data"].(object)["item"].(object)
	id, _ := item["id"].(string)
	if changes, ok := payload["data"].(object)["changes"]; ok {
		checkChanges(t, topic, m.previous(topic, id), item, changes.([]any))
	}
	switch topic {
	case "post.created", "post.updated":
		m.posts[id] = item
	case "post.deleted":
		delete(m.posts, id)
	case "post.voted":
		post := m.posts[item["postId"].(string)]
		if item["action"] == "add" {
			post["upvotes"] = post["upvotes"].(float64) + 1
		} else {
			post["upvotes"] = post["upvotes"].(float64) - 1
		}
	case "comment.created", "comment.deleted":
		post := m.posts[item["postId"].(string)]
		if topic == "comment.created" {
			m.comments[id] = item
			post["commentCount"] = post["commentCount"].(float64) + 1
		} else {
			delete(m.comments, id)
			post["commentCount"] = post["commentCount"].(float64) - 1
		}
	case "comment.updated":
		m.comments[id] = item
	case "conversation.user.created":
		m.conversations[id] = item
		source := item["source"].(object)
		m.parts[source["id"].(string)] = clone(source)
	case "conversation.deleted":
		delete(m.conversations, id)
		for partID, p := range m.parts {
			if p["conversationId"] == id {
				delete(m.parts, partID)
			}
		}
	case "conversation.user.replied", "conversation.admin.replied", "conversation.admin.noted":
		m.parts[id] = item
		m.addActivity(item)
	case "conversation_part.redacted":
		m.parts[id] = item
		c := m.conversations[item["conversationId"].(string)]
		if c["source"].(object)["id"] == id {
			c["source"] = clone(item)
		}
	default:
		if !strings.HasPrefix(topic, "conversation.") {
			t.Fatalf("the mirror does not know topic %s", topic)
		}
		m.conversations[id] = item
	}
}

// applyHarvestr keeps the data of a harvestr event, after checking that an update's
// changes are exactly the fields whose value changed, with their new values.
func (m *mirror) applyHarvestr(t *testing.T, event string, payload object) {
	t.Helper()
	data := payload["data"].(object)
	id := data["id"].(string)
	resource, action, _ := strings.Cut(event, "_")
	if action == "UPDATED" {
		want := object{}
		for field, v := range data {
			if old, ok := m.harvestr[id][field]; field != "updatedAt" && (!ok || !reflect.DeepEqual(old, v)) {
				want[field] = v
			}
		}
		if got := payload["changes"]; !reflect.DeepEqual(got, want) {
			t.Fatalf("%s %s: changes %s, want the changed fields %s", event, id, mustJSON(t, got), mustJSON(t, want))
		}
	}
	data["object"] = strings.ToLower(resource)
	m.harvestr[id] = data
}

// previous returns what the mirror holds of the resource a featurebase event is about.
func (m *mirror) previous(topic, id string) object {
	switch {
	case strings.HasPrefix(topic, "post."):
		return m.posts[id]
	case strings.HasPrefix(topic, "comment."):
		return m.comments[id]
	}
	return m.conversations[id]
}

// checkChanges fails unless changes lists exactly the fields of the item that differ
// from what the mirror held, with their old and new values, leaving out the three that
// featurebase never lists.
func checkChanges(t *testing.T, topic string, before, after object, changes []any) {
	t.Helper()
	want := map[string][2]any{}
	for field, v := range after {
		if field == "updatedAt" || field == "lastActivityAt" || field == "waitingSince" {
			continue
		}
		if old := before[field]; !reflect.DeepEqual(old, v) {
			want[field] = [2]any{old, v}
		}
	}
	got := map[string][2]any{}
	for _, c := range changes {
		c := c.(object)
		got[c["field"].(string)] = [2]any{c["oldValue"], c["newValue"]}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s %s: changes %s, want %s", topic, after["id"], mustJSON(t, got), mustJSON(t, want))
	}
}

// addActivity applies the README's rule for a new part: it is the conversation's
// latest activity; a contact's message starts a wait unless one is on, an admin's or
// bot's answer ends it, and a note changes neither.
func (m *mirror) addActivity(part object) {
	c := m.conversations[part["conversationId"].(string)]
	at := part["createdAt"]
	c["lastActivityAt"], c["updatedAt"] = at, at
	switch author := part["author"].(object)["type"]; {
	case part["partType"] == "admin_note":
	case author == "admin" || author == "bot":
		c["waitingSince"] = nil
	case c["waitingSince"] == nil:
		c["waitingSince"] = at
	}
}

func clone(o object) object {
	b, _ := json.Marshal(o)
	var out object
	json.Unmarshal(b, &out)
	return out
}

// mirrorWorld drives random writes through the API and keeps the mirror.
type mirrorWorld struct {
	t       *testing.T
	a       *api
	rnd     *rand.Rand
	mirror  mirror
	people  []string // users who are not bots
	admins  []string
	contact []string // customers and leads
	bot     string
	users   []string
	boards  []string
	states  []string // discovery states
	refused int
	schemas map[string]*jsonschema.Schema
}

func newMirrorWorld(t *testing.T, seed uint64) *mirrorWorld {
	w := &mirrorWorld{t: t, a: setup(t), rnd: rand.New(rand.NewPCG(seed, seed)),
		mirror: mirror{byType: map[string]int{}, harvestr: map[string]object{}, posts: map[string]object{}, comments: map[string]object{},
			conversations: map[string]object{}, parts: map[string]object{}},
		schemas: catalogSchemas(t)}
	for i, typ := range []string{"customer", "customer", "lead", "admin", "admin", "bot"} {
		id := w.a.must(201, "POST", "/v1/users", fmt.Sprintf(`{"name":"user %d","type":%q}`, i, typ))["id"].(string)
		w.users = append(w.users, id)
		switch typ {
		case "bot":
			w.bot = id
		case "admin":
			w.admins = append(w.admins, id)
			w.people = append(w.people, id)
		default:
			w.contact = append(w.contact, id)
			w.people = append(w.people, id)
		}
	}
	for _, name := range []string{"Ideas", "Bugs"} {
		w.boards = append(w.boards, w.a.must(201, "POST", "/v1/boards", fmt.Sprintf(`{"name":%q}`, name))["id"].(string))
		w.states = append(w.states, w.a.must(201, "POST", "/v1/discovery-states", fmt.Sprintf(`{"name":%q}`, name))["id"].(string))
	}
	return w
}

// write sends a request; a refusal is fine (it must change nothing), a server error
// is not.
func (w *mirrorWorld) write(method, path string, body any) string {
	w.t.Helper()
	var r io.Reader
	var text string
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			w.t.Fatal(err)
		}
		text = string(b)
		r = strings.NewReader(text)
	}
	req, _ := http.NewRequest(method, w.a.url+path, r)
	req.Header.Set("Authorization", "Bearer "+w.a.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		w.t.Fatalf("%s %s %s: %d %s", method, path, text, resp.StatusCode, answer)
	}
	if resp.StatusCode >= 400 {
		w.refused++
	}
	return fmt.Sprintf("%s %s %s → %d", method, path, text, resp.StatusCode)
}

func pick[T any](w *mirrorWorld, from []T) T { return from[w.rnd.IntN(len(from))] }

func (w *mirrorWorld) chance(percent int) bool { return w.rnd.IntN(100) < percent }

// mostly picks one of users most of the time, and anyone at all now and then, to try
// what the seed's trigger sentences do not allow.
func (w *mirrorWorld) mostly(users []string) string {
	if w.chance(85) {
		return pick(w, users)
	}
	return pick(w, w.users)
}

// anyOf returns a random key of m, or a made-up id when m is empty or now and then, to
// try writes on what does not exist.
func (w *mirrorWorld) anyOf(m map[string]object) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	if len(keys) == 0 || w.chance(2) {
		return "000000000000000000000000"
	}
	slices.Sort(keys)
	return pick(w, keys)
}

// step makes one random write and says what it was.
func (w *mirrorWorld) step() string {
	soon := time.Now().Add(time.Duration(1+w.rnd.IntN(48)) * time.Hour).UTC().Format(time.RFC3339)
	post, conversation := w.anyOf(w.mirror.posts), w.anyOf(w.mirror.conversations)
	if w.chance(25) {
		return w.harvestrStep()
	}
	switch w.rnd.IntN(18) {
	case 0, 1:
		body := object{"title": pick(w, []string{"Dark mode", "Export", "SSO"}), "content": "<p>Please</p>",
			"boardId": pick(w, w.boards), "authorId": w.mostly(w.people)}
		if w.chance(30) {
			body["tags"] = []string{"ux"}
		}
		return w.write("POST", "/v1/posts", body)
	case 2:
		return w.write("PATCH", "/v1/posts/"+post, w.postPatch())
	case 3:
		if w.chance(10) {
			return w.write("DELETE", "/v1/posts/"+post, nil)
		}
		return w.write("POST", "/v1/posts/"+post+"/votes", object{"voterId": w.mostly(w.people)})
	case 4:
		return w.write("DELETE", "/v1/posts/"+post+"/votes/"+pick(w, w.users), nil)
	case 5, 6:
		body := object{"postId": post, "content": "<p>Agreed</p>", "authorId": w.mostly(w.people)}
		if w.chance(60) {
			body["parentCommentId"] = w.commentOn(post)
		}
		return w.write("POST", "/v1/comments", body)
	case 7:
		return w.write("PATCH", "/v1/comments/"+w.anyOf(w.mirror.comments), w.somePatch(object{
			"content": "<p>Edited</p>", "isPrivate": w.chance(50), "isPinned": w.chance(50)}))
	case 8:
		if w.chance(40) {
			return w.write("DELETE", "/v1/comments/"+w.anyOf(w.mirror.comments), nil)
		}
		return w.write("POST", "/v1/comments", object{"postId": post, "content": "<p>Me too</p>",
			"authorId": pick(w, w.people), "parentCommentId": w.commentOn(post)})
	case 9, 10:
		body := object{"title": "Help", "contactId": w.mostly(w.contact), "bodyMarkdown": "It fails"}
		if w.chance(40) {
			body["botConversationState"] = "active"
		}
		return w.write("POST", "/v1/conversations", body)
	case 11, 12:
		return w.write("PATCH", "/v1/conversations/"+conversation, w.conversationPatch(soon))
	case 13:
		return w.write("POST", "/v1/conversations/"+conversation+"/parts", object{
			"partType": pick(w, []string{"user_msg", "email_msg", "admin_msg", "bot_msg", "admin_note"}),
			"authorId": pick(w, w.users), "bodyMarkdown": "More"})
	case 14:
		return w.write("POST", "/v1/conversations/"+w.partOf(conversation)+"/redact", nil)
	case 15:
		switch w.rnd.IntN(5) {
		case 0:
			return w.write("POST", "/v1/conversations/"+conversation+"/participants", object{"userId": w.mostly(w.contact)})
		case 1:
			return w.write("DELETE", "/v1/conversations/"+conversation+"/participants/"+pick(w, w.users), nil)
		case 2:
			if w.chance(30) {
				return w.write("DELETE", "/v1/conversations/"+conversation, nil)
			}
		}
		return w.write("POST", "/v1/conversations/"+conversation+"/read", object{"userId": pick(w, w.users)})
	case 16:
		return w.write("PATCH", "/v1/users/"+pick(w, w.users), w.somePatch(object{
			"name": pick(w, []string{"Ada", "Grace", "Ann"}), "email": pick(w, []any{"a@example.com", nil})}))
	default:
		return w.write("PATCH", "/v1/post-statuses/"+w.status(), w.somePatch(object{
			"name": pick(w, []string{"Reviewing", "Planned", "Done"}), "color": "Blue", "isDefault": true}))
	}
}

// harvestrStep makes one random write on the harvestr resources.
func (w *mirrorWorld) harvestrStep() string {
	of := func(kind string) map[string]object {
		out := map[string]object{}
		for id, r := range w.mirror.harvestr {
			if r["object"] == kind {
				out[id] = r
			}
		}
		return out
	}
	message, discovery, component := w.anyOf(of("message")), w.anyOf(of("discovery")), w.anyOf(of("component"))
	switch w.rnd.IntN(8) {
	case 0:
		return w.write("POST", "/v1/messages", object{"title": "Export", "content": "Please", "channel": pick(w, []string{"SLACK", "MAIL"}),
			"requesterId": pick(w, w.users), "submitterId": pick(w, w.users)})
	case 1:
		return w.write("PATCH", "/v1/messages/"+message, w.somePatch(object{"title": "Export to PDF", "read": w.chance(50),
			"archived": w.chance(50), "bin": w.chance(50), "assigneeId": pick(w, []any{w.admins[0], nil}),
			"receivedAt": pick(w, []any{"2025-01-15T14:28:00Z", nil}), "integrationUrl": pick(w, []any{"https://example.com/1", nil})}))
	case 2:
		body := object{"title": "Dark mode", "discoveryStateId": pick(w, w.states)}
		if w.chance(50) {
			body["parentId"] = discovery
		}
		return w.write("POST", "/v1/discoveries", body)
	case 3:
		return w.write("PATCH", "/v1/discoveries/"+discovery, w.somePatch(object{"title": "Dark theme",
			"description": pick(w, []any{"Asked a lot", nil}), "discoveryStateId": pick(w, []any{w.states[0], w.states[1], nil}),
			"parentId": pick(w, []any{discovery, nil})}))
	case 4:
		return w.write("POST", "/v1/components", object{"title": "Dashboard", "parentId": pick(w, []any{component, nil})})
	case 5:
		return w.write("PATCH", "/v1/components/"+component, w.somePatch(object{"title": "Reports",
			"description": pick(w, []any{"Charts", nil}), "parentId": pick(w, []any{component, nil})}))
	case 6:
		return w.write("POST", "/v1/feedback", object{"messageId": message, "discoveryId": discovery, "score": w.rnd.IntN(5)})
	}
	return w.write("PATCH", "/v1/feedback/"+w.anyOf(of("feedback")), w.somePatch(object{"score": w.rnd.IntN(5),
		"starred": w.chance(50), "discoveryId": discovery, "requesterId": pick(w, w.users)}))
}

// somePatch returns a random non-empty subset of the members.
func (w *mirrorWorld) somePatch(members object) object {
	patch := object{}
	for k, v := range members {
		if w.chance(50) {
			patch[k] = v
		}
	}
	if len(patch) == 0 {
		for k, v := range members {
			patch[k] = v
			break
		}
	}
	return patch
}

func (w *mirrorWorld) postPatch() object {
	return w.somePatch(object{
		"title": pick(w, []string{"Dark mode", "Dark theme"}), "content": "<p>Updated</p>", "boardId": pick(w, w.boards),
		"statusId": w.status(), "tags": pick(w, []any{[]string{"ux"}, nil, []string{}}), "isPinned": w.chance(50),
		"inReview": w.chance(50), "eta": pick(w, []any{"2026-03-01T00:00:00Z", nil}),
		"assigneeId": pick(w, []any{w.admins[0], nil}), "customFields": pick(w, []any{object{"plan": "pro"}, nil}),
	})
}

func (w *mirrorWorld) conversationPatch(soon string) object {
	patch := w.somePatch(object{
		"state": pick(w, []string{"open", "closed", "snoozed"}), "priority": w.chance(50),
		"adminAssigneeId": pick(w, []any{w.admins[0], w.admins[1], nil}), "teamAssigneeId": pick(w, []any{"support", "sales", nil}),
		"botConversationState": pick(w, []string{"handed_off_to_human", "handed_off_to_human", "active", "resolved"}),
	})
	if patch["state"] == "snoozed" && w.chance(90) {
		patch["snoozedUntil"] = soon
	}
	return patch
}

// commentOn returns a comment on the post.
func (w *mirrorWorld) commentOn(post string) string {
	comments := map[string]object{}
	for id, c := range w.mirror.comments {
		if c["postId"] == post {
			comments[id] = c
		}
	}
	return w.anyOf(comments)
}

// partOf returns "{conversation}/parts/{part}" for a part of the conversation.
func (w *mirrorWorld) partOf(conversation string) string {
	parts := map[string]object{}
	for id, p := range w.mirror.parts {
		if p["conversationId"] == conversation {
			parts[id] = p
		}
	}
	return conversation + "/parts/" + w.anyOf(parts)
}

func (w *mirrorWorld) status() string {
	statuses := w.all("/v1/post-statuses")
	return pick(w, statuses)["id"].(string)
}

// all returns every item of a list route, following its cursors.
func (w *mirrorWorld) all(path string) []object {
	var items []object
	cursor := ""
	for {
		page := w.a.must(200, "GET", path+"?limit=100"+cursor, "")
		for _, item := range page["data"].([]any) {
			items = append(items, item.(object))
		}
		next, _ := page["nextCursor"].(string)
		if next == "" {
			return items
		}
		cursor = "&cursor=" + next
	}
}

// sync applies to the mirror the events it has not seen yet, oldest first.
func (w *mirrorWorld) sync() {
	var fresh []object
	cursor := ""
	for done := false; !done; {
		page := w.a.must(200, "GET", "/v1/events?limit=10"+cursor, "")
		for _, ev := range page["data"].([]any) {
			if ev.(object)["id"] == w.mirror.lastEventID {
				done = true
				break
			}
			fresh = append(fresh, ev.(object))
		}
		next, _ := page["nextCursor"].(string)
		if next == "" {
			break
		}
		cursor = "&cursor=" + next
	}
	for i := len(fresh) - 1; i >= 0; i-- {
		ev := fresh[i]
		if err := w.schemas[ev["type"].(string)].Validate(ev["payload"]); err != nil {
			w.t.Fatalf("event %s does not fit the schema of %s: %v", mustJSON(w.t, ev["payload"]), ev["type"], err)
		}
		w.mirror.apply(w.t, ev)
		w.mirror.lastEventID = fresh[i]["id"].(string)
	}
}

// compare returns how the mirror differs from what GET shows, or "".
func (w *mirrorWorld) compare() string {
	var diff strings.Builder
	var harvestr []object
	for _, path := range []string{"/v1/messages", "/v1/discoveries", "/v1/components", "/v1/feedback"} {
		harvestr = append(harvestr, w.all(path)...)
	}
	compareSet(&diff, "harvestr resource", w.mirror.harvestr, harvestr)
	compareSet(&diff, "post", w.mirror.posts, w.all("/v1/posts"))
	compareSet(&diff, "comment", w.mirror.comments, w.all("/v1/comments"))
	conversations := w.all("/v1/conversations")
	compareSet(&diff, "conversation", w.mirror.conversations, conversations)
	var parts []object
	for _, c := range conversations {
		page := w.a.must(200, "GET", "/v1/conversations/"+c["id"].(string)+"/parts", "")
		for _, p := range page["data"].([]any) {
			parts = append(parts, p.(object))
		}
	}
	compareSet(&diff, "part", w.mirror.parts, parts)
	return diff.String()
}

func compareSet(diff *strings.Builder, what string, mirrored map[string]object, got []object) {
	seen := map[string]bool{}
	for _, g := range got {
		id := g["id"].(string)
		seen[id] = true
		delete(g, "$schema")
		m, ok := mirrored[id]
		switch {
		case !ok:
			fmt.Fprintf(diff, "%s %s: GET shows it, no event announced it\n", what, id)
		case !reflect.DeepEqual(m, g):
			mb, _ := json.Marshal(m)
			gb, _ := json.Marshal(g)
			fmt.Fprintf(diff, "%s %s:\n  mirror %s\n  GET    %s\n", what, id, mb, gb)
		}
	}
	for id := range mirrored {
		if !seen[id] {
			fmt.Fprintf(diff, "%s %s: gone from GET, no event announced it\n", what, id)
		}
	}
}

// catalogSchemas compiles the JSON Schema of every event type in the catalog.
func catalogSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	catalog, err := wire.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	schemas := map[string]*jsonschema.Schema{}
	for _, et := range catalog {
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(et.Schema)))
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource(string(et.Name)+".json", doc); err != nil {
			t.Fatal(err)
		}
		if schemas[string(et.Name)], err = c.Compile(string(et.Name) + ".json"); err != nil {
			t.Fatal(err)
		}
	}
	return schemas
}
