package wire

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/feedwire/feedwire"
)

// TestFeaturebaseSchemasFollowTheirTopic takes a topic's example, changes one thing that
// seed 004 (or feedwire's decision where the seed leaves a choice) rules out for that
// topic, and expects the topic's schema to reject it.
func TestFeaturebaseSchemasFollowTheirTopic(t *testing.T) {
	types := catalog(t, feedwire.FormatFeaturebase)
	for _, c := range []struct {
		name  string
		topic feedwire.EventType
		path  string // in the example, where the change is
		value any
	}{
		{"closed but open", "conversation.admin.closed", "data.item.state", "open"},
		{"snoozed without an end", "conversation.admin.snoozed", "data.item.snoozedUntil", nil},
		{"unsnoozed but snoozed", "conversation.admin.unsnoozed", "data.item.state", "snoozed"},
		{"unsnoozed with an end", "conversation.admin.unsnoozed", "data.item.snoozedUntil", "2025-01-16T09:00:00.000Z"},
		{"handover to the bot", "conversation.handover_requested", "data.item.botConversationState", "active"},
		{"started without a source", "conversation.user.created", "data.item.source", nil},
		{"started by email", "conversation.user.created", "data.item.source.partType", "email_msg"},
		{"started by an admin", "conversation.user.created", "data.item.source.author.type", "admin"},
		{"started but closed", "conversation.user.created", "data.item.state", "closed"},
		{"source not a part", "conversation.deleted", "data.item.source.object", "conversation"},
		{"admin participant", "conversation.contact.attached", "data.item.participants.0.type", "admin"},
		{"user reply by an admin part", "conversation.user.replied", "data.item.partType", "admin_msg"},
		{"user reply by a bot", "conversation.user.replied", "data.item.author.type", "bot"},
		{"admin reply by a customer", "conversation.admin.replied", "data.item.author.type", "customer"},
		{"admin reply as a note", "conversation.admin.replied", "data.item.partType", "admin_note"},
		{"note by a customer", "conversation.admin.noted", "data.item.author.type", "customer"},
		{"note redacted", "conversation.admin.noted", "data.item.redacted", true},
		{"redaction not redacted", "conversation_part.redacted", "data.item.redacted", false},
		{"redaction keeps markdown", "conversation_part.redacted", "data.item.bodyMarkdown", "x"},
		{"redaction keeps HTML", "conversation_part.redacted", "data.item.bodyHtml", "<p>x</p>"},
		{"redaction of a bot message", "conversation_part.redacted", "data.item.partType", "bot_msg"},
		{"post created as a comment", "post.created", "data.item.object", "comment"},
		{"post by a bot", "post.created", "data.item.author.type", "bot"},
		{"post status object", "post.updated", "data.item.status.object", "status"},
		{"vote by a bot", "post.voted", "data.item.voter.type", "bot"},
		{"vote object", "post.voted", "data.item.object", "post"},
		{"assignment changes state", "conversation.admin.assigned", "data.changes.0.field", "state"},
		{"closing changes priority", "conversation.admin.closed", "data.changes.0.field", "priority"},
		{"comment update moves it", "comment.updated", "data.changes.0.field", "postId"},
		{"post update changes its id", "post.updated", "data.changes.0.field", "id"},
		{"post update changes updatedAt", "post.updated", "data.changes.0.field", "updatedAt"},
	} {
		t.Run(c.name, func(t *testing.T) {
			et, ok := types[c.topic]
			if !ok {
				t.Fatalf("no %s in the catalog", c.topic)
			}
			s := compileSchema(t, et.Schema)
			var payload any
			if err := json.Unmarshal(et.Example, &payload); err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(payload); err != nil {
				t.Fatalf("the example itself does not validate: %v", err)
			}
			set(t, payload, c.path, c.value)
			if err := s.Validate(payload); err == nil {
				t.Errorf("%s with %s = %#v: got valid, want rejected", c.topic, c.path, c.value)
			}
		})
	}
}

// set replaces the value at a path of a decoded JSON document: member names and array
// indexes joined by dots. The member must exist, so that a case cannot pass by adding
// a member the schema rejects for another reason.
func set(t *testing.T, doc any, path string, value any) {
	t.Helper()
	keys := strings.Split(path, ".")
	for i, key := range keys {
		last := i == len(keys)-1
		switch v := doc.(type) {
		case map[string]any:
			if _, ok := v[key]; !ok {
				t.Fatalf("%s: got no member %q, want one", path, key)
			}
			if last {
				v[key] = value
			}
			doc = v[key]
		case []any:
			n, err := strconv.Atoi(key)
			if err != nil || n >= len(v) {
				t.Fatalf("%s: got %d items, want item %s", path, len(v), key)
			}
			if last {
				v[n] = value
			}
			doc = v[n]
		default:
			t.Fatalf("%s: got %T at %q, want an object or array", path, v, key)
		}
	}
}

// TestHarvestrSchemasMatchSeed checks that each harvestr schema's data has exactly the
// members of seed 000's example, all required, each of the seed value's JSON type.
func TestHarvestrSchemasMatchSeed(t *testing.T) {
	types := catalog(t, feedwire.FormatHarvestr)
	seeds, err := filepath.Glob(filepath.Join("testdata", "seed000", "*.json"))
	if err != nil || len(seeds) == 0 {
		t.Fatalf("got %d seed examples (%v), want some", len(seeds), err)
	}
	for _, path := range seeds {
		name := feedwire.EventType(strings.TrimSuffix(filepath.Base(path), ".json"))
		t.Run(string(name), func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var seed struct{ Data map[string]any }
			if err := json.Unmarshal(b, &seed); err != nil {
				t.Fatal(err)
			}
			var s struct {
				Properties struct {
					Data struct {
						Properties map[string]struct{ Type any }
						Required   []string
					}
				}
			}
			if err := json.Unmarshal(types[name].Schema, &s); err != nil {
				t.Fatal(err)
			}
			data := s.Properties.Data
			want := slices.Sorted(maps.Keys(seed.Data))
			if got := slices.Sorted(maps.Keys(data.Properties)); !slices.Equal(got, want) {
				t.Errorf("data members: got %v, want %v", got, want)
			}
			if got := slices.Sorted(slices.Values(data.Required)); !slices.Equal(got, want) {
				t.Errorf("required: got %v, want %v", got, want)
			}
			for member, value := range seed.Data {
				if typ := jsonType(value); !hasType(data.Properties[member].Type, typ) {
					t.Errorf("%s: got type %v, want it to allow %s", member, data.Properties[member].Type, typ)
				}
			}
		})
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case []any:
		return "array"
	}
	return "object"
}

// hasType reports whether a schema's type (a name or a list of names) allows values of
// JSON type typ.
func hasType(schemaType any, typ string) bool {
	names, ok := schemaType.([]any)
	if !ok {
		names = []any{schemaType}
	}
	return slices.Contains(names, any(typ))
}
