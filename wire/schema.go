package wire

import (
	"encoding/json"
	"fmt"
	"reflect"
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
			enum := make([]any, 0, len(values)+1)
			for _, v := range values {
				enum = append(enum, v)
			}
			if f.Type.Kind() == reflect.Pointer {
				enum = append(enum, nil)
			}
			s["enum"] = enum
		}
		properties[name] = s
		required = append(required, name)
	}
	return schema{"type": "object", "properties": properties, "required": required, "additionalProperties": false}, nil
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
