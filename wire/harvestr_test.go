package wire

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/feedwire/feedwire"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func indent(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		t.Fatalf("indent %s: %v", b, err)
	}
	buf.WriteByte('\n')
	return buf.Bytes()
}

// golden compares got with the file, or rewrites the file under -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what the code builds:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// catalog returns the catalog's event types of a format by name.
func catalog(t *testing.T, format feedwire.Format) map[feedwire.EventType]EventType {
	t.Helper()
	types, err := Catalog()
	if err != nil {
		t.Fatal(err)
	}
	byName := make(map[feedwire.EventType]EventType, len(types))
	for _, et := range types {
		if et.Format == format {
			byName[et.Name] = et
		}
	}
	return byName
}

func TestHarvestrGolden(t *testing.T) {
	types := catalog(t, feedwire.FormatHarvestr)
	if len(types) != 8 {
		t.Fatalf("got %d harvestr event types, want 8", len(types))
	}
	for name, et := range types {
		golden(t, filepath.Join("testdata", "harvestr", string(name)+".json"), indent(t, et.Example))
	}
}

// TestHarvestrMatchesSeed holds the examples to seed 000, byte for byte once indented:
// field names, order, types and nulls. The seed files are copied from the seed and never
// rewritten by -update.
func TestHarvestrMatchesSeed(t *testing.T) {
	types := catalog(t, feedwire.FormatHarvestr)
	seeds, err := filepath.Glob(filepath.Join("testdata", "seed000", "*.json"))
	if err != nil || len(seeds) != 5 {
		t.Fatalf("got %d seed examples (%v), want 5", len(seeds), err)
	}
	for _, path := range seeds {
		name := feedwire.EventType(filepath.Base(path[:len(path)-len(".json")]))
		t.Run(string(name), func(t *testing.T) {
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := indent(t, types[name].Example); !bytes.Equal(got, want) {
				t.Errorf("example differs from seed 000:\ngot:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestHarvestrExamplesMatchSchemas(t *testing.T) {
	for name, et := range catalog(t, feedwire.FormatHarvestr) {
		t.Run(string(name), func(t *testing.T) {
			s := compileSchema(t, et.Schema)
			if err := s.Validate(decode(t, et.Example)); err != nil {
				t.Errorf("example does not match its schema: %v", err)
			}
			// The schema must also reject what the format never sends.
			var broken map[string]any
			if err := json.Unmarshal(et.Example, &broken); err != nil {
				t.Fatal(err)
			}
			delete(broken["data"].(map[string]any), "updatedAt")
			if err := s.Validate(broken); err == nil {
				t.Error("schema accepts a payload whose data lacks updatedAt")
			}
		})
	}
}

func compileSchema(t *testing.T, raw []byte) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", decode(t, raw)); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	return s
}

func decode(t *testing.T, b []byte) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestHarvestrChanges(t *testing.T) {
	base := exampleMessage()
	tests := []struct {
		name        string
		edit        func(m *feedwire.Message)
		wantType    feedwire.EventType // empty: no event
		wantChanges string
	}{
		{"nothing", func(m *feedwire.Message) {}, "", ""},
		{"only updatedAt", func(m *feedwire.Message) { m.UpdatedAt = m.UpdatedAt.Add(1) }, "", ""},
		{"one field", func(m *feedwire.Message) { m.Read = true }, feedwire.MessageUpdated, `{"read":true}`},
		{"cleared to null", func(m *feedwire.Message) { m.IntegrationURL = nil }, feedwire.MessageUpdated, `{"integrationUrl":null}`},
		{"in field order", func(m *feedwire.Message) { m.AssigneeID = ptr("u1"); m.Title = "New" },
			feedwire.MessageUpdated, `{"title":"New","assigneeId":"u1"}`},
		{"html is not escaped", func(m *feedwire.Message) { m.Content = "<b>R&D</b>" },
			feedwire.MessageUpdated, `{"content":"<b>R&D</b>"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			after := base
			tt.edit(&after)
			ev, err := MessageEvent(&base, &after)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantType == "" {
				if ev != nil {
					t.Fatalf("got event %s with changes %s, want none", ev.Type, ev.Changes)
				}
				return
			}
			if ev == nil {
				t.Fatalf("got no event, want %s", tt.wantType)
			}
			if ev.Type != tt.wantType || string(ev.Changes) != tt.wantChanges {
				t.Errorf("got %s %s, want %s %s", ev.Type, ev.Changes, tt.wantType, tt.wantChanges)
			}
		})
	}
}

func TestHarvestrCreateHasNoChanges(t *testing.T) {
	m := exampleMessage()
	ev, err := MessageEvent(nil, &m)
	if err != nil {
		t.Fatal(err)
	}
	body, err := HarvestrBody("a0b1c2d3-e4f5-6a7b-8c9d-0e1f2a3b4c5d", ev)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(body, []byte(`"changes"`)) {
		t.Errorf("created payload has changes: %s", body)
	}
}
