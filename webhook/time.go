package webhook

import (
	"fmt"
	"time"
)

// TimeLayout is how both wire formats write a timestamp: ISO 8601 in UTC with
// milliseconds, as in 2025-01-15T10:30:00.000Z.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// Time is a timestamp that encodes as TimeLayout and decodes from any RFC 3339 time.
type Time struct {
	time.Time
}

// NewTime returns t as a Time.
func NewTime(t time.Time) Time { return Time{t} }

// NewTimePtr returns t as a *Time, or nil when t is nil.
func NewTimePtr(t *time.Time) *Time {
	if t == nil {
		return nil
	}
	return &Time{*t}
}

// MarshalJSON writes t in TimeLayout.
func (t Time) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(TimeLayout)+2)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, TimeLayout)
	return append(b, '"'), nil
}

// UnmarshalJSON reads an RFC 3339 timestamp. Like encoding/json itself, it leaves t
// alone for null.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("webhook: timestamp must be a string, got %s", b)
	}
	parsed, err := time.Parse(time.RFC3339Nano, string(b[1:len(b)-1]))
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	t.Time = parsed
	return nil
}
