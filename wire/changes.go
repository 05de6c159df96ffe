package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// member is one member of a JSON object, its value left encoded.
type member struct {
	Name  string
	Value json.RawMessage
}

// members returns the members of a JSON object in the order they are written.
func members(object []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(object))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("wire: not a JSON object: %.40s", object)
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("wire: read member name: %w", err)
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, fmt.Errorf("wire: read member %v: %w", tok, err)
		}
		out = append(out, member{Name: tok.(string), Value: value})
	}
	return out, nil
}

// change is one member whose value an update changed.
type change struct {
	Name     string
	OldValue json.RawMessage
	NewValue json.RawMessage
}

// diff compares two encodings of the same resource and returns, in the order the
// resource writes its fields, every member whose value differs, except those in ignore.
// Both sides come from the same encoder, so equal values have equal bytes.
func diff(before, after []byte, ignore ...string) ([]change, error) {
	old, err := members(before)
	if err != nil {
		return nil, err
	}
	updated, err := members(after)
	if err != nil {
		return nil, err
	}
	oldValues := make(map[string]json.RawMessage, len(old))
	for _, m := range old {
		oldValues[m.Name] = m.Value
	}
	var changes []change
	for _, m := range updated {
		if slices.Contains(ignore, m.Name) || bytes.Equal(oldValues[m.Name], m.Value) {
			continue
		}
		changes = append(changes, change{Name: m.Name, OldValue: oldValues[m.Name], NewValue: m.Value})
	}
	return changes, nil
}

// harvestrChanges writes changes as the harvestr format does: an object of each changed
// field and its new value, in the resource's field order.
func harvestrChanges(changes []change) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, c := range changes {
		if i > 0 {
			buf.WriteByte(',')
		}
		name, err := marshal(c.Name)
		if err != nil {
			return nil, err
		}
		buf.Write(name)
		buf.WriteByte(':')
		buf.Write(c.NewValue)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
