package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestWebhookControlsValidation checks that a bad filter or template is refused with a
// 422 whose location points at the bad part, and that nothing is stored.
func TestWebhookControlsValidation(t *testing.T) {
	a := setup(t)
	url := receiver(t).URL
	hook := func(format, topics, extra string) string {
		return `{"name":"x","url":"` + url + `","format":"` + format + `","topics":` + topics + extra + `}`
	}
	tests := []struct {
		name, body string
		location   string
		message    string
	}{
		{"operator of the wrong type", hook("featurebase", `["post.created"]`,
			`,"filter":{"$or":[{"topic":"post.created"},{"data.votes":{"$gt":true}}]}`),
			"body.filter.$or[1].data.votes.$gt", "must be a number or a string"},
		{"unknown operator", hook("harvestr", `["MESSAGE_CREATED"]`, `,"filter":{"data.channel":{"$regex":"MA"}}`),
			"body.filter.data.channel.$regex", "is not an operator"},
		{"bad path", hook("harvestr", `["MESSAGE_CREATED"]`, `,"filter":{"data..channel":"MAIL"}`),
			"body.filter.data..channel", "is not a path"},
		{"empty filter", hook("harvestr", `["MESSAGE_CREATED"]`, `,"filter":{}`), "body.filter", "at least one"},
		{"template on another format", hook("slack", `["post.created"]`, `,"template":{"body":"x","contentType":"text/plain"}`),
			"body.template", "only a webhook of format template"},
		{"template webhook without one", hook("template", `["post.created"]`, ``), "body.template", "needs a template"},
		{"template that does not parse", hook("template", `["post.created"]`, `,"template":{"body":"{{.Type","contentType":"text/plain"}`),
			"body.template.body", "does not parse"},
		{"template that fails on a topic", hook("template", `["post.created","MESSAGE_CREATED"]`,
			`,"template":{"body":"{{.Payload.data.item.title}}","contentType":"text/plain"}`),
			"body.template.body", "fails on the example of MESSAGE_CREATED"},
		{"template that is not JSON", hook("template", `["post.created"]`,
			`,"template":{"body":"{\"text\": \"{{.Summary.Title}}","contentType":"application/json"}`),
			"body.template.body", "not JSON"},
		{"bad content type", hook("template", `["post.created"]`, `,"template":{"body":"x","contentType":"json please"}`),
			"body.template.contentType", "is not a media type"},
		{"chat topic that does not exist", hook("discord", `["post.exploded"]`, ``), "body.topics[0]", "is not an event type of format discord"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, problem := a.do("POST", "/v1/webhooks", tt.body)
			if status != 422 {
				t.Fatalf("got %d %v, want 422", status, problem)
			}
			text := problemText(problem)
			if !strings.Contains(text, `"location":"`+tt.location+`"`) || !strings.Contains(text, tt.message) {
				t.Errorf("problem %s does not name %s with %q", text, tt.location, tt.message)
			}
		})
	}
	if list := a.must(200, "GET", "/v1/webhooks", ""); len(list["data"].([]any)) != 0 {
		t.Errorf("invalid requests stored webhooks: %v", list["data"])
	}
}

// TestWebhookControlsLifecycle creates webhooks of the new formats, patches their
// controls, and shows them back.
func TestWebhookControlsLifecycle(t *testing.T) {
	a := setup(t)
	url := receiver(t).URL
	slack := a.must(201, "POST", "/v1/webhooks", `{"name":"team","url":"`+url+`","format":"slack",
		"topics":["post.created","MESSAGE_CREATED","conversation.user.created"],"filter":{"data.item.upvotes":{"$gte":10}}}`)
	id := slack["id"].(string)
	if f, _ := json.Marshal(slack["filter"]); string(f) != `{"data.item.upvotes":{"$gte":10}}` || slack["template"] != nil {
		t.Errorf("created %v", slack)
	}
	patched := a.must(200, "PATCH", "/v1/webhooks/"+id, `{"filter":null}`)
	if patched["filter"] != nil {
		t.Errorf("filter after a null patch: %v", patched["filter"])
	}
	status, problem := a.do("PATCH", "/v1/webhooks/"+id, `{"filter":{"$and":[{"topic":"post.created"},{"x":{"$in":3}}]}}`)
	if status != 422 || !strings.Contains(problemText(problem), `"location":"body.filter.$and[1].x.$in"`) {
		t.Errorf("bad filter patch: got %d %s", status, problemText(problem))
	}

	tmpl := a.must(201, "POST", "/v1/webhooks", `{"name":"ops","url":"`+url+`","format":"template","topics":["post.created"],
		"template":{"body":"{\"text\": {{json .Summary.Title}}}","contentType":"application/json"}}`)
	tid := tmpl["id"].(string)
	status, problem = a.do("PATCH", "/v1/webhooks/"+tid, `{"topics":["post.created","MESSAGE_CREATED"],"template":{"body":"{{.Payload.data.item.title}}","contentType":"text/plain"}}`)
	if status != 422 || !strings.Contains(problemText(problem), "MESSAGE_CREATED") {
		t.Errorf("a template patch that fails on a new topic: got %d %s", status, problemText(problem))
	}
	if status, _ := a.do("PATCH", "/v1/webhooks/"+tid, `{"template":null}`); status != 422 {
		t.Errorf("a null template: got %d, want 422", status)
	}
	got := a.must(200, "PATCH", "/v1/webhooks/"+tid, `{"template":{"body":"{{.Type}}: {{.Summary.Title}}","contentType":"text/plain; charset=utf-8"}}`)
	if tm := got["template"].(map[string]any); tm["contentType"] != "text/plain; charset=utf-8" {
		t.Errorf("template after patch: %v", tm)
	}
	a.must(202, "POST", "/v1/webhooks/"+tid+"/test", `{"eventType":"post.created"}`)
}

// TestFilterTest checks POST /v1/webhooks/{id}/filter/test with the webhook's own
// filter and with a candidate.
func TestFilterTest(t *testing.T) {
	a := setup(t)
	url := receiver(t).URL
	w := a.must(201, "POST", "/v1/webhooks", `{"name":"mail","url":"`+url+`","format":"featurebase","topics":["post.created"],
		"filter":{"data.item.upvotes":{"$gte":10}}}`)
	plain := a.must(201, "POST", "/v1/webhooks", `{"name":"all","url":"`+url+`","format":"featurebase","topics":["post.created"]}`)
	path := "/v1/webhooks/" + w["id"].(string) + "/filter/test"
	popular := `{"topic":"post.created","data":{"item":{"upvotes":12}}}`
	quiet := `{"topic":"post.created","data":{"item":{"upvotes":2}}}`
	tests := []struct {
		name, path, body string
		want             bool
	}{
		{"own filter, passes", path, `{"payload":` + popular + `}`, true},
		{"own filter, rejected", path, `{"payload":` + quiet + `}`, false},
		{"candidate", path, `{"payload":` + quiet + `,"filter":{"data.item.upvotes":{"$lt":5}}}`, true},
		{"no filter passes everything", "/v1/webhooks/" + plain["id"].(string) + "/filter/test", `{"payload":` + quiet + `}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := a.must(200, "POST", tt.path, tt.body)
			if got["object"] != "filter_test" || got["matched"] != tt.want {
				t.Errorf("got %v, want matched %v", got, tt.want)
			}
		})
	}
	status, problem := a.do("POST", path, `{"payload":`+quiet+`,"filter":{"data.item.upvotes":{"$gte":"ten","$foo":1}}}`)
	if status != 422 || !strings.Contains(problemText(problem), `"location":"body.filter.data.item.upvotes.$foo"`) {
		t.Errorf("bad candidate: got %d %s", status, problemText(problem))
	}
}

// TestFilteredOutEventsGetNoDelivery checks, through the deliveries list, that a
// filtered-out event creates no delivery while the webhook without a filter gets all.
func TestFilteredOutEventsGetNoDelivery(t *testing.T) {
	a := setup(t)
	url := receiver(t).URL
	filtered := a.must(201, "POST", "/v1/webhooks", `{"name":"mail","url":"`+url+`","format":"slack","topics":["MESSAGE_CREATED"],
		"filter":{"$or":[{"data.channel":"MAIL"},{"data.title":{"$in":["Urgent"]}}]}}`)
	all := a.must(201, "POST", "/v1/webhooks", `{"name":"all","url":"`+url+`","format":"discord","topics":["MESSAGE_CREATED"]}`)
	user := a.must(201, "POST", "/v1/users", `{"name":"Ada","type":"customer"}`)["id"].(string)
	messages := []struct{ title, channel string }{{"Export", "MAIL"}, {"Urgent", "SLACK"}, {"Dark mode", "INTERCOM"}, {"Bug", "ZENDESK"}}
	for _, m := range messages {
		a.must(201, "POST", "/v1/messages", `{"title":"`+m.title+`","content":"c","channel":"`+m.channel+`","requesterId":"`+user+`","submitterId":"`+user+`"}`)
	}
	count := func(id string) int {
		return len(a.must(200, "GET", "/v1/deliveries?webhookId="+id, "")["data"].([]any))
	}
	if got := count(all["id"].(string)); got != 4 {
		t.Errorf("the webhook without a filter has %d deliveries, want 4", got)
	}
	got := count(filtered["id"].(string))
	if got != 2 {
		t.Errorf("the filtered webhook has %d deliveries, want 2", got)
	}
	t.Logf("%d messages: %d delivered to the filtered webhook, %d filtered out with no delivery", len(messages), got, len(messages)-got)
}
