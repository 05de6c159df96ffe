package delivery

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestRecordedHeaders(t *testing.T) {
	many := http.Header{}
	for i := range 150 {
		many.Add(fmt.Sprintf("X-H-%03d", i), "v")
	}
	wide := http.Header{}
	for i := range 20 {
		wide.Set(fmt.Sprintf("X-W-%02d", i), strings.Repeat("w", 1000))
	}
	tests := []struct {
		name    string
		header  http.Header
		bodyCut bool
		values  int    // recorded, the marker not counted
		marker  string // part of TruncatedHeader's value; "" when there must be none
	}{
		{"small", http.Header{"Content-Type": {"text/plain"}, "Set-Cookie": {"a=1", "b=2"}}, false, 3, ""},
		{"long value", http.Header{"X-Long": {strings.Repeat("l", maxRecordedHeaderValue+1)}}, false, 1, "1 header values cut to 4096 bytes"},
		{"too many values", many, false, maxRecordedHeaderValues, "50 header values left out"},
		{"too many bytes", wide, false, 16, "4 header values left out"},
		{"the receiver's own marker", http.Header{TruncatedHeader: {"fake"}, "X-Ok": {"1"}}, false, 1, "1 header values left out"},
		{"body cut", http.Header{"X-Ok": {"1"}}, true, 1, "the body cut to its first 16384 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := recordedHeaders(tt.header, tt.bodyCut)
			marker := got.Get(TruncatedHeader)
			got.Del(TruncatedHeader)
			values, size := 0, 0
			for name, vs := range got {
				values += len(vs)
				for _, v := range vs {
					size += len(name) + len(v)
					if len(v) > maxRecordedHeaderValue+len("…") {
						t.Errorf("%s: a value of %d bytes", name, len(v))
					}
				}
			}
			if values != tt.values || size > maxRecordedHeaderBytes {
				t.Errorf("got %d values, %d bytes; want %d values, at most %d bytes", values, size, tt.values, maxRecordedHeaderBytes)
			}
			if (tt.marker == "") != (marker == "") || !strings.Contains(marker, tt.marker) {
				t.Errorf("%s %q, want %q", TruncatedHeader, marker, tt.marker)
			}
		})
	}
}

func TestBound(t *testing.T) {
	long := strings.Repeat("é", maxErrorMessage) // two bytes each: the cut falls inside one
	tests := []struct {
		name, in string
		wantLen  int
	}{
		{"short", "connection refused", len("connection refused")},
		{"long", long, maxErrorMessage + len("…")},
		{"cut inside a character", "x" + long, maxErrorMessage - 1 + len("…")},
	}
	for _, tt := range tests {
		got := bound(tt.in)
		if len(got) != tt.wantLen || !strings.HasPrefix(tt.in, strings.TrimSuffix(got, "…")) {
			t.Errorf("%s: bound gives %d bytes, want %d, a prefix of the message", tt.name, len(got), tt.wantLen)
		}
	}
}
