package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/feedwire/feedwire"
)

// FuzzBodyChecker checks checkJSON against encoding/json: it never panics, what it
// accepts encoding/json decodes and lies within the bounds, and what encoding/json
// decodes within the bounds it accepts.
func FuzzBodyChecker(f *testing.F) {
	for _, seed := range []string{
		`{"title":"Dark mode","tags":["ui"],"customFields":{"a":{"b":[1,2.5,null,true]}}}`,
		`{"a":1,"a":2}`, `{"a":"\u0000"}`, `{"a":"\ud800"}`, "{\"a\":\"\xff\"}", `[[[[[[]]]]]]`, `1e400`, `{"a":`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p := checkJSON(body)
		var v any
		decodes := json.Unmarshal(body, &v) == nil
		bounds, err := withinBounds(body)
		if p == nil {
			if !decodes || !utf8.Valid(body) || err != nil || !bounds {
				t.Fatalf("accepted %q: decodes %v, UTF-8 %v, within the bounds %v (%v)", body, decodes, utf8.Valid(body), bounds, err)
			}
			return
		}
		if p.status != 400 && p.status != 422 || !strings.HasPrefix(p.location, "body") {
			t.Fatalf("refused %q with status %d at %q", body, p.status, p.location)
		}
		if decodes && utf8.Valid(body) && !mayHoldSurrogate.Match(body) && err == nil && bounds {
			t.Fatalf("refused %q (%d %s at %s), which encoding/json decodes within the bounds", body, p.status, p.message, p.location)
		}
	})
}

// mayHoldSurrogate matches a \u escape of a UTF-16 surrogate, or text that looks like
// one (an escaped backslash before "ud800"): encoding/json decodes a lone one to
// U+FFFD, so only checkJSON's raw walk tells.
var mayHoldSurrogate = regexp.MustCompile(`\\u[dD][89a-fA-F]`)

// withinBounds is the fuzz test's own reading of the bounds, with encoding/json's token
// stream and recursion rather than checkJSON's walk: depth, member names unique per
// object, no NUL, strings no longer than maxStringLength.
func withinBounds(body []byte) (bool, error) {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	ok, err := boundedValue(dec, 0)
	if err != nil {
		return false, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return false, errors.New("more after the value")
	}
	return ok, nil
}

func boundedValue(dec *json.Decoder, depth int) (bool, error) {
	tok, err := dec.Token()
	if err != nil {
		return false, err
	}
	switch v := tok.(type) {
	case string:
		return boundedString(v), nil
	case json.Delim:
		if depth == maxDepth {
			return false, nil
		}
		names := map[string]bool{}
		ok := true
		for dec.More() {
			if v == '{' {
				tok, err := dec.Token()
				if err != nil {
					return false, err
				}
				name := tok.(string)
				ok = ok && !names[name] && boundedString(name)
				names[name] = true
			}
			inner, err := boundedValue(dec, depth+1)
			if err != nil {
				return false, err
			}
			ok = ok && inner
		}
		_, err := dec.Token() // the closing delimiter
		return ok, err
	}
	return true, nil
}

func boundedString(s string) bool {
	return !strings.ContainsRune(s, 0) && utf8.RuneCountInString(s) <= maxStringLength
}

// FuzzDecodeCursor checks that decodeCursor never panics, refuses with a 422 on the
// cursor, and takes back exactly what encodeCursor made.
func FuzzDecodeCursor(f *testing.F) {
	for _, seed := range []string{"", encodeCursor("clx1a2b3c4d5e6f7g8h9i0j1"), "zzz", "!!", "Y2x4", "Y2x5", strings.Repeat("A", 200)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := decodeCursor(s)
		switch {
		case err != nil:
			if !errors.Is(err, feedwire.ErrInvalid) {
				t.Fatalf("decodeCursor(%q): got %v, want an ErrInvalid", s, err)
			}
		case s == "":
			if id != "" {
				t.Fatalf(`decodeCursor(""): got %q, want ""`, id)
			}
		case id == "" || len(id) > maxCursorID || strings.IndexFunc(id, notIDRune) >= 0:
			t.Fatalf("decodeCursor(%q): got id %q, which no list returns", s, id)
		case encodeCursor(id) != s:
			t.Fatalf("decodeCursor(%q) = %q, whose cursor is %q", s, id, encodeCursor(id))
		}
		// s as an id: a list's cursor for it decodes back to it.
		if s != "" && len(s) <= maxCursorID && strings.IndexFunc(s, notIDRune) < 0 {
			if got, err := decodeCursor(encodeCursor(s)); err != nil || got != s {
				t.Fatalf("decodeCursor(encodeCursor(%q)) = %q, %v", s, got, err)
			}
		}
	})
}
