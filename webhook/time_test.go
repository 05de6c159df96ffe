package webhook_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/feedwire/feedwire/webhook"
)

func TestTimeMarshal(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC), `"2025-01-15T10:30:00.000Z"`},
		{time.Date(2025, 1, 15, 11, 30, 0, 123456789, paris), `"2025-01-15T10:30:00.123Z"`},
	}
	for _, tt := range tests {
		got, err := json.Marshal(webhook.NewTime(tt.in))
		if err != nil || string(got) != tt.want {
			t.Errorf("marshal %v: got %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

func TestTimeUnmarshal(t *testing.T) {
	var got webhook.Time
	if err := json.Unmarshal([]byte(`"2025-01-15T11:30:00.5+01:00"`), &got); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2025, 1, 15, 10, 30, 0, 5e8, time.UTC); !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, bad := range []string{`12`, `"yesterday"`, `"2025-01-15"`} {
		if err := json.Unmarshal([]byte(bad), &got); err == nil {
			t.Errorf("unmarshal %s: got no error", bad)
		}
	}
}
