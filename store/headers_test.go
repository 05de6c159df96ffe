package store

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

// TestHeaderJSON: headers are stored as encoding/json writes them without escaping
// <, > and &, and read back as they were.
func TestHeaderJSON(t *testing.T) {
	for _, h := range []http.Header{
		nil,
		{},
		{"Content-Type": {"application/json"}, "Webhook-Signature": {"v1,abc", "v1,def"}, "Accept": {}},
		{"X-Odd": {"quote \" back\\slash <tag> & tab\t", "naïve ☃", "\x7f\x00", "bad \xff utf-8"}, "X-Nil": nil},
	} {
		want := "{}"
		if h != nil {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(h); err != nil {
				t.Fatal(err)
			}
			want = string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		}
		got := headerJSON(h)
		if got != want {
			t.Errorf("headerJSON(%v)\n got %s\nwant %s", h, got, want)
		}
		var back http.Header
		if err := json.Unmarshal([]byte(got), &back); err != nil || len(back) != len(h) {
			t.Errorf("headerJSON(%v) reads back as %v (%v)", h, back, err)
		}
	}
}
