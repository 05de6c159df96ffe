// Package wire turns feedwire's resources into the events of its two wire formats,
// harvestr and featurebase: which event a write emits, its data, its changes, and the
// body a delivery sends. The payload types themselves are package webhook's.
package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// The bodies of deliveries are written out by hand rather than by encoding/json: a
// body is built on every attempt, and encoding an envelope by reflection, compacting
// its data again on the way, was a tenth of the CPU a delivery cost. The tests check
// that each body is the bytes the payload type encodes to.

// marshal encodes v the way the vendors' JavaScript services do: without escaping <, >
// and &, which JSON does not require and HTML content is full of.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// AppendString appends s as a JSON string, as marshal writes it (<, > and & as they
// are): the bodies' strings, and any other JSON feedwire writes by hand.
func AppendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			// Rare in the ids and names written here: let encoding/json escape it.
			encoded, _ := marshal(s) // a string always encodes
			return append(b, encoded...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendRaw appends JSON that feedwire itself encoded (an event's data or changes, as
// stored): compact already, as marshal writes it, so it is copied as it is. Anything
// else is compacted first, as encoding/json does with a json.RawMessage.
func appendRaw(b []byte, raw []byte) ([]byte, error) {
	if isCompact(raw) {
		// Not validated again: that scan cost three times the rest of the body.
		return append(b, raw...), nil
	}
	buf := bytes.NewBuffer(b)
	if err := json.Compact(buf, raw); err != nil {
		return nil, fmt.Errorf("wire: %w", err)
	}
	return buf.Bytes(), nil
}

// isCompact reports whether raw is JSON with no space outside its strings. It looks at
// each byte once, and is much cheaper than compacting.
func isCompact(raw []byte) bool {
	if len(raw) == 0 {
		return false
	}
	inString, escaped := false, false
	for _, c := range raw {
		switch {
		case escaped:
			escaped = false
		case inString:
			switch c {
			case '\\':
				escaped = true
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			return false
		}
	}
	return !inString
}
