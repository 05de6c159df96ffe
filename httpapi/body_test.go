package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
)

func TestCheckJSON(t *testing.T) {
	long := strings.Repeat("é", maxStringLength)
	tests := []struct {
		name         string
		body         string
		wantStatus   int // 0: accepted
		wantLocation string
		wantMessage  string
	}{
		{"object", `{"title":"Dark mode","tags":["ui",1,true,null,{"a":[]}]}`, 0, "", ""},
		{"scalar", ` 42 `, 0, "", ""},
		{"escapes", `{"a":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}`, 0, "", ""},
		{"same name in sibling objects", `{"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":2}]}`, 0, "", ""},
		{"names differ in case", `{"a":1,"A":2}`, 0, "", ""},
		{"depth 32", strings.Repeat("[", 32) + strings.Repeat("]", 32), 0, "", ""},
		{"longest string", `{"a":"` + long + `"}`, 0, "", ""},
		{"longest string escaped", `{"a":"` + strings.Repeat(`\u00e9`, maxStringLength) + `"}`, 0, "", ""},

		{"depth 33", strings.Repeat("[", 33) + strings.Repeat("]", 33), 422, "body" + strings.Repeat("[0]", 32), "nest more than 32"},
		{"depth 40 in objects", `{"customFields":` + strings.Repeat(`{"a":`, 39) + `1` + strings.Repeat("}", 40), 422, "body.customFields" + strings.Repeat(".a", 31), "nest"},
		{"depth 9000", strings.Repeat("[", 9000) + strings.Repeat("]", 9000), 422, "", "nest more than 32"},
		{"duplicate member", `{"title":"a","tags":[],"title":"b"}`, 422, "body.title", "appears twice"},
		{"duplicate member, escaped", `{"customFields":{"a":{"b":1,"\u0062":2}}}`, 422, "body.customFields.a.b", "appears twice"},
		{"NUL in a value", `{"name":"a\u0000b"}`, 422, "body.name", "NUL"},
		{"NUL in a name", `{"customFields":{"a\u0000":1}}`, 422, "body.customFields.a\x00", "NUL"},
		{"NUL in an array", `{"tags":["x","\u0000"]}`, 422, "body.tags[1]", "NUL"},
		{"raw 0xff", "{\"name\":\"a\xffb\"}", 400, "body.name", "not valid UTF-8"},
		{"raw 0xff in a name", "{\"a\xff\":1}", 400, "body.a\xff", "not valid UTF-8"},
		{"overlong UTF-8", "{\"name\":\"\xc0\xaf\"}", 400, "body.name", "not valid UTF-8"},
		{"encoded surrogate", "{\"name\":\"\xed\xa0\x80\"}", 400, "body.name", "not valid UTF-8"},
		{"lone high surrogate", `{"name":"\ud800"}`, 400, "body.name", "lone UTF-16 surrogate"},
		{"lone low surrogate", `{"name":"\udc00x"}`, 400, "body.name", "lone UTF-16 surrogate"},
		{"high then not low", `{"name":"\ud800\u0041"}`, 400, "body.name", "lone UTF-16 surrogate"},
		{"string too long", `{"tags":["` + long + `é"]}`, 422, "body.tags[0]", "longer than 100000 characters"},
		{"name too long", `{"` + strings.Repeat("k", maxStringLength+1) + `":1}`, 422, "body." + strings.Repeat("k", 64) + "…", "member name is longer"},
		{"huge number", `{"score":1e400}`, 422, "body.score", "out of range"},
		{"not JSON", `title=x`, 400, "body", "not valid JSON"},
		{"truncated", `{"title":"Dark`, 400, "body.title", "unexpected end of JSON input"},
		{"truncated object", `{"a":[1,2`, 400, "body.a[1]", "unexpected end of JSON input"},
		{"trailing comma", `{"a":1,}`, 400, "body.a", "not valid JSON"},
		{"two values", `{"a":1}{"b":2}`, 400, "body", "after top-level value (at byte 8)"},
		{"garbage after", `{"a":1} x`, 400, "body", "after top-level value"},
		{"only whitespace", "  \n", 400, "body", "unexpected end of JSON input"},
		{"raw control character", "{\"a\":\"x\ny\"}", 400, "body.a", "invalid character"},
		{"0xff outside strings", "{\"a\":\xff}", 400, "body.a", "invalid character"},
		{"deep and broken", strings.Repeat("[", 40) + "x", 400, "body" + strings.Repeat("[0]", 32), "not valid JSON"},
		{"NaN", `{"a":NaN}`, 400, "body.a", "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := checkJSON([]byte(tt.body))
			if tt.wantStatus == 0 {
				if p != nil {
					t.Fatalf("got %d %q at %s, want it accepted", p.status, p.message, p.location)
				}
				return
			}
			if p == nil {
				t.Fatalf("got it accepted, want %d", tt.wantStatus)
			}
			if p.status != tt.wantStatus || !strings.Contains(p.message, tt.wantMessage) {
				t.Errorf("got %d %q, want %d with %q", p.status, p.message, tt.wantStatus, tt.wantMessage)
			}
			if tt.wantLocation != "" && p.location != tt.wantLocation {
				t.Errorf("got location %.200q, want %.200q", p.location, tt.wantLocation)
			}
		})
	}
}

// TestCheckJSONAgreesWithDecoding checks that what checkJSON accepts, huma's decoding
// (encoding/json) accepts too.
func TestCheckJSONAgreesWithDecoding(t *testing.T) {
	for _, body := range []string{`{"a":[1,2.5e10,-0,"x"],"b":{"c":null}}`, `[]`, `"\u00e9"`, `-1e-400`} {
		if p := checkJSON([]byte(body)); p != nil {
			t.Errorf("%s: refused: %s", body, p.message)
		}
		var v any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Errorf("%s: encoding/json refuses it: %v", body, err)
		}
	}
}

func TestCheckBodies(t *testing.T) {
	var got []byte
	reached := 0
	h := checkBodies(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached++
		got, _ = io.ReadAll(r.Body)
	}))
	valid := `{"name":"Ada","type":"admin"}`
	big := `{"a":"` + strings.Repeat("x", maxBodySize) + `"}`
	tests := []struct {
		name       string
		body       io.Reader
		length     int64 // -1: unknown, sent chunked
		wantStatus int
	}{
		{"valid", strings.NewReader(valid), int64(len(valid)), 200},
		{"valid, chunked", strings.NewReader(valid), -1, 200},
		{"no body", http.NoBody, 0, 200},
		{"at the limit", strings.NewReader("{}" + strings.Repeat(" ", maxBodySize-2)), maxBodySize, 200},
		{"declared too large", strings.NewReader(big), int64(len(big)), 413},
		{"too large, chunked", strings.NewReader(big), -1, 413},
		{"too large, length understated", strings.NewReader(big), 10, 413},
		{"not JSON", strings.NewReader(`{"name":`), 8, 400},
		{"too deep", strings.NewReader(strings.Repeat("[", 40) + strings.Repeat("]", 40)), 80, 422},
		{"read error", iotest.ErrReader(io.ErrUnexpectedEOF), -1, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reached, got = 0, nil
			r := httptest.NewRequest("POST", "/v1/users", tt.body)
			r.ContentLength = tt.length
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Fatalf("got %d %s, want %d", w.Code, w.Body, tt.wantStatus)
			}
			if tt.wantStatus != 200 {
				var problem struct {
					Status int
					Detail string
					Errors []struct{ Location, Message string }
				}
				if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("got Content-Type %q, want application/problem+json", ct)
				}
				if err := json.Unmarshal(w.Body.Bytes(), &problem); err != nil || problem.Status != tt.wantStatus || len(problem.Errors) != 1 {
					t.Errorf("got problem %s (%v), want one located error", w.Body, err)
				}
				if reached != 0 {
					t.Error("the handler ran on a refused body")
				}
				return
			}
			if reached != 1 {
				t.Fatalf("the handler ran %d times, want 1", reached)
			}
			if strings.HasPrefix(tt.name, "valid") && !bytes.Equal(got, []byte(valid)) {
				t.Errorf("the handler read %q, want %q", got, valid)
			}
		})
	}
}

// TestCheckJSONAllocations keeps the check light: it runs on every write. A body
// allocates one string per member name, and nothing else once the pool is warm.
func TestCheckJSONAllocations(t *testing.T) {
	body := []byte(`{"title":"Dark mode","content":"<p>Please add a dark mode.</p>","boardId":"66a1b2c3d4e5f60718293a4b",
		"authorId":"66a1b2c3d4e5f60718293a4c","tags":["ui","theme"],"isPinned":false,"customFields":{"plan":"pro","seats":12}}`)
	checkJSON(body) // warm the pool
	allocs := testing.AllocsPerRun(100, func() { checkJSON(body) })
	t.Logf("checkJSON of a %d-byte post body: %.0f allocations", len(body), allocs)
	if allocs > 12 {
		t.Errorf("got %.0f allocations, want at most 12", allocs)
	}
}
