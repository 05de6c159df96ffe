// Package wire turns feedwire's resources into the events of its two wire formats,
// harvestr and featurebase: which event a write emits, its data, its changes, and the
// body a delivery sends. The payload types themselves are package webhook's.
package wire

import (
	"bytes"
	"encoding/json"
)

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
