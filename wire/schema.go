package wire

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/feedwire/feedwire/webhook"
)

// schema is a JSON Schema (draft 2020-12) document or subschema.
type schema = map[string]any

var timeType = reflect.TypeFor[webhook.Time]()

// schemaFor returns the schema of the JSON that encoding/json writes for values of t.
// Every struct field is required, because the wire formats write optional fields as
// null rather than leaving them out; enums maps "Type.field" to the field's values.
func schemaFor(t reflect.Type, enums map[string][]string) (schema, error) {
	switch {
	case t == timeType:
		return schema{"type": "string", "format": "date-time"}, nil
	case t.Kind() == reflect.Pointer:
		inner, err := schemaFor(t.Elem(), enums)
		if err != nil {
			return nil, err
		}
		return nullable(inner), nil
	}
	switch t.Kind() {
	case reflect.String:
		return schema{"type": "string"}, nil
	case reflect.Bool:
		return schema{"type": "boolean"}, nil
	case reflect.Float32, reflect.Float64:
		return schema{"type": "number"}, nil
	case reflect.Int, reflect.Int32, reflect.Int64:
		return schema{"type": "integer"}, nil
	case reflect.Struct:
		return structSchema(t, enums)
	case reflect.Slice:
		items, err := schemaFor(t.Elem(), enums)
		if err != nil {
			return nil, err
		}
		return schema{"type": "array", "items": items}, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			break
		}
		values, err := schemaFor(t.Elem(), enums)
		if err != nil {
			return nil, err
		}
		return schema{"type": "object", "additionalProperties": values}, nil
	case reflect.Interface:
		return schema{}, nil // any JSON value
	}
	return nil, fmt.Errorf("wire: no schema for %s", t)
}

func structSchema(t reflect.Type, enums map[string][]string) (schema, error) {
	properties := schema{}
	var required []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			return nil, fmt.Errorf("wire: %s.%s has no JSON name", t.Name(), f.Name)
		}
		s, err := schemaFor(f.Type, enums)
		if err != nil {
			return nil, err
		}
		if values, ok := enums[t.Name()+"."+name]; ok {
			restrict(s, values, f.Type.Kind() == reflect.Pointer)
		}
		properties[name] = s
		required = append(required, name)
	}
	return schema{"type": "object", "properties": properties, "required": required, "additionalProperties": false}, nil
}

// restrict limits s to values, and null too when the field is a pointer. A single value
// is written as a const, which generators read as a fixed member (an object's "object").
func restrict(s schema, values []string, pointer bool) {
	if len(values) == 1 && !pointer {
		s["const"] = values[0]
		return
	}
	enum := make([]any, 0, len(values)+1)
	for _, v := range values {
		enum = append(enum, v)
	}
	if pointer {
		enum = append(enum, nil)
	}
	s["enum"] = enum
}

// nullable returns s widened to also allow null.
func nullable(s schema) schema {
	if typ, ok := s["type"].(string); ok && len(s) <= 2 {
		s["type"] = []string{typ, "null"}
		return s
	}
	return schema{"anyOf": []schema{s, {"type": "null"}}}
}

// harvestrSchema returns the schema of a harvestr payload of event type name whose data
// is described by data. Updated events carry changes: some of the data's fields, never
// its identity or timestamps.
func harvestrSchema(name string, updated bool, data schema) (json.RawMessage, error) {
	properties := schema{
		"id":    schema{"type": "string", "format": "uuid", "description": "Unique per delivery, the same on every retry"},
		"event": schema{"const": name},
		"data":  data,
	}
	required := []string{"id", "event", "data"}
	if updated {
		changed := schema{}
		for field, s := range data["properties"].(schema) {
			switch field {
			case "id", "clientId", "createdAt", "updatedAt":
			default:
				changed[field] = s
			}
		}
		properties["changes"] = schema{"type": "object", "properties": changed, "minProperties": 1, "additionalProperties": false}
		required = append(required, "changes")
	}
	return json.Marshal(schema{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"title":                name,
		"type":                 "object",
		"properties":           properties,
		"required":             required,
		"additionalProperties": false,
	})
}

// A rule narrows one member of a reflected schema to what a topic allows there. The
// payload types describe every topic that shares them; a rule says what one topic's
// payloads have, so that a payload that contradicts its topic fails validation.
type rule struct {
	path string // member names joined by dots ("source.partType"); arrays and null are stepped through
	to   func(schema) schema
}

// narrow applies each rule to the object schema s, in order.
func narrow(s schema, rules []rule) error {
	for _, r := range rules {
		if err := narrowMember(s, r.path, r.to); err != nil {
			return fmt.Errorf("wire: rule %s: %w", r.path, err)
		}
	}
	return nil
}

func narrowMember(s schema, path string, to func(schema) schema) error {
	name, rest, nested := strings.Cut(path, ".")
	properties, _ := s["properties"].(schema)
	member, ok := properties[name].(schema)
	switch {
	case !ok:
		return fmt.Errorf("no member %q", name)
	case nested:
		return narrowMember(objectIn(member), rest, to)
	}
	properties[name] = to(member)
	return nil
}

// objectIn returns the schema of the object that s holds: the items of an array, the
// non-null branch of a nullable object.
func objectIn(s schema) schema {
	if items, ok := s["items"].(schema); ok {
		return objectIn(items)
	}
	if anyOf, ok := s["anyOf"].([]schema); ok {
		return objectIn(anyOf[0]) // nullable puts the non-null branch first
	}
	return s
}

// is narrows a member to one value.
func is(v any) func(schema) schema {
	return func(s schema) schema { return keepType(s, schema{"const": v}) }
}

// oneOf narrows a member to some values.
func oneOf[T ~string](values ...T) func(schema) schema {
	return func(s schema) schema { return keepType(s, schema{"enum": values}) }
}

// notNull narrows a nullable member to its non-null values.
func notNull(s schema) schema {
	if anyOf, ok := s["anyOf"].([]schema); ok {
		return anyOf[0]
	}
	out := maps.Clone(s)
	if types, ok := s["type"].([]string); ok {
		out["type"] = types[0]
	}
	if enum, ok := s["enum"].([]any); ok {
		out["enum"] = slices.DeleteFunc(slices.Clone(enum), func(v any) bool { return v == nil })
	}
	return out
}

// keepType adds the type of s to narrowed when s has a single one, for the generators
// that read types rather than values.
func keepType(s, narrowed schema) schema {
	if typ, ok := s["type"].(string); ok {
		narrowed["type"] = typ
	}
	return narrowed
}

// jsonNames returns the JSON names of the fields of struct type t, in order, leaving out
// those in except.
func jsonNames(t reflect.Type, except ...string) []string {
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if !slices.Contains(except, name) {
			names = append(names, name)
		}
	}
	return names
}
