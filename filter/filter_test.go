package filter

import (
	"errors"
	"strings"
	"testing"
)

// Payloads as receivers get them (abridged): a harvestr message, a featurebase post
// update with its changes, and a vote.
const (
	messageCreated = `{"id":"a0b1","event":"MESSAGE_CREATED","data":{"id":"clx4","title":"Export to PDF",
		"channel":"MAIL","read":false,"score":3,"requesterId":"clxr","assigneeId":null,
		"receivedAt":"2025-01-15T14:28:00.000Z"}}`
	postUpdated = `{"object":"notification_event","id":"notif_1","topic":"post.updated","data":{
		"object":"notification_event_data","item":{"object":"post","id":"65a1","title":"Dark mode",
		"boardId":"board-1","upvotes":12,"tags":["ui","theme"],"eta":null,
		"status":{"name":"Completed","type":"completed"}},
		"changes":[{"field":"title","oldValue":"Dark","newValue":"Dark mode"},
		{"field":"status","oldValue":{"name":"In Review"},"newValue":{"name":"Completed"}}]}}`
	postVoted = `{"object":"notification_event","id":"notif_2","topic":"post.voted","data":{
		"object":"notification_event_data","item":{"object":"post_vote","action":"add",
		"postId":"65a1","voter":{"name":"Ann Lee","type":"lead"}}}}`
)

func TestMatch(t *testing.T) {
	tests := []struct {
		name    string
		filter  string
		payload string
		want    bool
	}{
		{"equal string", `{"data.channel": "MAIL"}`, messageCreated, true},
		{"equal string, other value", `{"data.channel": "SLACK"}`, messageCreated, false},
		{"equal on a missing path", `{"data.channel": "MAIL"}`, postUpdated, false},
		{"$eq", `{"event": {"$eq": "MESSAGE_CREATED"}}`, messageCreated, true},
		{"$ne", `{"data.channel": {"$ne": "MAIL"}}`, messageCreated, false},
		{"$ne on a missing path", `{"data.channel": {"$ne": "MAIL"}}`, postVoted, true},
		{"$in", `{"data.channel": {"$in": ["SLACK", "MAIL"]}}`, messageCreated, true},
		{"$in, none", `{"data.channel": {"$in": ["SLACK", "INTERCOM"]}}`, messageCreated, false},
		{"$nin", `{"data.channel": {"$nin": ["SLACK", "INTERCOM"]}}`, messageCreated, true},
		{"$nin, one", `{"data.channel": {"$nin": ["MAIL"]}}`, messageCreated, false},
		{"$exists true", `{"data.item.voter": {"$exists": true}}`, postVoted, true},
		{"$exists false", `{"data.changes": {"$exists": false}}`, postVoted, true},
		{"$exists of null", `{"data.assigneeId": {"$exists": true}}`, messageCreated, true},
		{"equal null", `{"data.assigneeId": null}`, messageCreated, true},
		{"$gt", `{"data.item.upvotes": {"$gt": 10}}`, postUpdated, true},
		{"$gt, equal", `{"data.item.upvotes": {"$gt": 12}}`, postUpdated, false},
		{"$gte", `{"data.item.upvotes": {"$gte": 12}}`, postUpdated, true},
		{"$lt", `{"data.score": {"$lt": 3}}`, messageCreated, false},
		{"$lte", `{"data.score": {"$lte": 3.0}}`, messageCreated, true},
		{"range", `{"data.item.upvotes": {"$gte": 10, "$lt": 20}}`, postUpdated, true},
		{"range, out", `{"data.item.upvotes": {"$gte": 13, "$lt": 20}}`, postUpdated, false},
		{"$gt on a string time", `{"data.receivedAt": {"$gt": "2025-01-01T00:00:00.000Z"}}`, messageCreated, true},
		{"$gt, number against a string", `{"data.channel": {"$gt": 1}}`, messageCreated, false},
		{"equal number", `{"data.item.upvotes": 12}`, postUpdated, true},
		{"equal bool", `{"data.read": false}`, messageCreated, true},
		{"array contains", `{"data.item.tags": "ui"}`, postUpdated, true},
		{"array contains, not", `{"data.item.tags": "api"}`, postUpdated, false},
		{"array equals", `{"data.item.tags": ["ui", "theme"]}`, postUpdated, true},
		{"array $in", `{"data.item.tags": {"$in": ["api", "theme"]}}`, postUpdated, true},
		{"array $nin", `{"data.item.tags": {"$nin": ["ui"]}}`, postUpdated, false},
		{"object equals", `{"data.item.status": {"name": "Completed", "type": "completed"}}`, postUpdated, true},
		{"object equals, partly", `{"data.item.status": {"name": "Completed"}}`, postUpdated, false},
		{"nested path", `{"data.item.status.type": "completed"}`, postUpdated, true},
		{"through an array", `{"data.changes.field": "status"}`, postUpdated, true},
		{"through an array, none", `{"data.changes.field": "tags"}`, postUpdated, false},
		{"array index", `{"data.changes.0.field": "title"}`, postUpdated, true},
		{"array index, other", `{"data.changes.1.field": "title"}`, postUpdated, false},
		{"array index, past the end", `{"data.changes.5.field": {"$exists": true}}`, postUpdated, false},
		{"deep through an array", `{"data.changes.newValue.name": "Completed"}`, postUpdated, true},
		{"two members, both", `{"topic": "post.updated", "data.item.boardId": "board-1"}`, postUpdated, true},
		{"two members, one", `{"topic": "post.updated", "data.item.boardId": "board-2"}`, postUpdated, false},
		{"$and", `{"$and": [{"topic": "post.updated"}, {"data.item.upvotes": {"$gt": 5}}]}`, postUpdated, true},
		{"$and, one fails", `{"$and": [{"topic": "post.updated"}, {"data.item.upvotes": {"$gt": 50}}]}`, postUpdated, false},
		{"$or", `{"$or": [{"topic": "post.created"}, {"data.item.action": "add"}]}`, postVoted, true},
		{"$or, none", `{"$or": [{"topic": "post.created"}, {"data.item.action": "remove"}]}`, postVoted, false},
		{"$or inside $and", `{"$and": [{"$or": [{"data.channel": "MAIL"}, {"data.channel": "SLACK"}]}, {"data.read": false}]}`, messageCreated, true},
		{"member beside $or", `{"event": "MESSAGE_UPDATED", "$or": [{"data.channel": "MAIL"}]}`, messageCreated, false},
		{"voter type", `{"data.item.voter.type": {"$in": ["customer", "lead"]}}`, postVoted, true},
		{"path into a string", `{"data.channel.x": {"$exists": true}}`, messageCreated, false},
		{"$eq of an operator-like object", `{"data.item": {"$eq": {"$x": 1}}}`, postVoted, false},
	}
	var matched, rejected int
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(tt.filter))
			if err != nil {
				t.Fatalf("Parse(%s): %v", tt.filter, err)
			}
			doc, err := Decode([]byte(tt.payload))
			if err != nil {
				t.Fatal(err)
			}
			got := f.Match(doc)
			if got != tt.want {
				t.Errorf("Match of %s = %v, want %v", tt.filter, got, tt.want)
			}
			if got {
				matched++
			} else {
				rejected++
			}
		})
	}
	t.Logf("filter table: %d cases, %d matched, %d rejected", len(tests), matched, rejected)
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		filter   string
		wantPath string
		wantText string
	}{
		{"not JSON", `{"data.channel": }`, "", "is not JSON"},
		{"not an object", `["MAIL"]`, "", "must be an object"},
		{"two values", `{} {}`, "", "one JSON object"},
		{"empty", `{}`, "", "at least one"},
		{"empty path name", `{"data..channel": "MAIL"}`, "data..channel", "is not a path"},
		{"trailing dot", `{"data.": "MAIL"}`, "data.", "is not a path"},
		{"unknown operator", `{"data.votes": {"$gtt": 3}}`, "data.votes.$gtt", "is not an operator"},
		{"unknown top-level operator", `{"$nor": []}`, "$nor", "is not an operator here"},
		{"$gt of a bool", `{"$or": [{"topic": "x"}, {"data.votes": {"$gt": true}}]}`, "$or[1].data.votes.$gt", "must be a number or a string"},
		{"$in of a value", `{"data.channel": {"$in": "MAIL"}}`, "data.channel.$in", "must be an array"},
		{"$nin of an object", `{"data.channel": {"$nin": {}}}`, "data.channel.$nin", "must be an array"},
		{"$exists of a string", `{"data.x": {"$exists": "yes"}}`, "data.x.$exists", "true or false"},
		{"$or of an object", `{"$or": {"a": 1}}`, "$or", "non-empty array"},
		{"$and empty", `{"$and": []}`, "$and", "non-empty array"},
		{"$or of a value", `{"$or": [{"a": 1}, 2]}`, "$or[1]", "must be an object"},
		{"mixed operators", `{"data.item": {"$eq": 1, "name": "x"}}`, "data.item.name", "mixes"},
		{"nested error", `{"$and": [{"$or": [{"a": 1}, {"b": {"$lt": []}}]}]}`, "$and[0].$or[1].b.$lt", "must be a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.filter))
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("Parse(%s) = %v, want an *Error", tt.filter, err)
			}
			if fe.Path != tt.wantPath || !strings.Contains(fe.Message, tt.wantText) {
				t.Errorf("Parse(%s): got path %q message %q, want path %q and a message with %q",
					tt.filter, fe.Path, fe.Message, tt.wantPath, tt.wantText)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	deep := `{"a": 1}`
	for range MaxDepth + 1 {
		deep = `{"$and": [` + deep + `]}`
	}
	many := `{"a": {"$in": [` + strings.Repeat(`1,`, MaxInValues) + `1]}}`
	var conditions []string
	for i := range MaxConditions + 1 {
		conditions = append(conditions, `"p`+strings.Repeat("x", i%5)+string(rune('a'+i%26))+`":1`)
	}
	tests := []struct{ name, filter, want string }{
		{"too deep", deep, "nests $and and $or"},
		{"too many $in values", many, "at most"},
		{"too long", `{"a": "` + strings.Repeat("x", MaxSize) + `"}`, "at most"},
		{"long path", `{"` + strings.Repeat("a", MaxPathLen+1) + `": 1}`, "more than"},
		{"too many conditions", `{"$or": [{` + strings.Join(conditions, "},{") + `}]}`, "conditions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.filter))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse: got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestCache(t *testing.T) {
	var c Cache
	a, err := c.Parse([]byte(`{"data.channel": "MAIL"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Parse([]byte(`{"data.channel": "MAIL"}`))
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Error("the same text was compiled twice")
	}
	if _, err := c.Parse([]byte(`{"$x": 1}`)); err == nil {
		t.Error("an invalid filter was cached as valid")
	}
}

func BenchmarkMatch(b *testing.B) {
	f, err := Parse([]byte(`{"$or": [{"data.item.upvotes": {"$gte": 10}}, {"data.changes.field": "status"}], "topic": {"$in": ["post.created", "post.updated"]}}`))
	if err != nil {
		b.Fatal(err)
	}
	doc, err := Decode([]byte(postUpdated))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !f.Match(doc) {
			b.Fatal("no match")
		}
	}
}
