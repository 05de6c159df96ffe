package httpapi

import (
	"fmt"
	"time"

	"github.com/feedwire/feedwire"
)

// formatDuration writes a duration the way people write one: "5s", "30m", "24h",
// "1h30m".
func formatDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Hour && d%time.Minute == 0:
		return fmt.Sprintf("%dh%dm", d/time.Hour, (d%time.Hour)/time.Minute)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0 && d < time.Minute:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}

// parseDurations reads a list of durations such as ["5s", "5m", "2h"], naming the field
// of the first one that is not a duration.
func parseDurations(field string, values []string) ([]time.Duration, error) {
	if values == nil {
		return nil, nil
	}
	out := make([]time.Duration, len(values))
	for i, v := range values {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, feedwire.Invalid(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("%q is not a duration such as 30s, 5m or 2h", v))
		}
		out[i] = d
	}
	return out, nil
}

func formatDurations(ds []time.Duration) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = formatDuration(d)
	}
	return out
}
