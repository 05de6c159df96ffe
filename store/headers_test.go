package store

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestHeaderJSON: headers are stored as json.Marshal writes them, escapes and all.
func TestHeaderJSON(t *testing.T) {
	for _, h := range []http.Header{
		nil,
		{},
		{"Content-Type": {"application/json"}, "Webhook-Signature": {"v1,abc", "v1,def"}, "Accept": {}},
		{"X-Odd": {"quote \" back\\slash <tag> & tab\t", "naïve ☃", "\x7f\x00"}, "X-Nil": nil},
	} {
		want := "{}"
		if h != nil {
			b, err := json.Marshal(h)
			if err != nil {
				t.Fatal(err)
			}
			want = string(b)
		}
		if got := headerJSON(h); got != want {
			t.Errorf("headerJSON(%v)\n got %s\nwant %s", h, got, want)
		}
	}
}
