package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/feedwire/feedwire"
)

// Limits of a request body, checked before huma decodes it.
const (
	// maxBodySize is the most bytes a request body may have. huma reads up to its own
	// default of 1 MiB per operation; this check runs first, so this is the limit a
	// client meets, and huma's is never reached.
	maxBodySize = 256 << 10
	// maxDepth is how deeply objects and arrays may nest. feedwire's own bodies nest
	// four levels at most, and customFields travel on in events to receivers, whose
	// parsers commonly break near 1,500 levels.
	maxDepth = 32
	// maxStringLength is the most characters a string or a member name may have: the
	// largest text field's limit, so that no custom field holds more than it.
	maxStringLength = feedwire.MaxTextLength
)

// checkBodies refuses a request whose body breaks the limits before any handler sees
// it: a body larger than maxBodySize is a 413, and JSON that is malformed (400) or that
// nests deeper than maxDepth, repeats a member name, holds a string longer than
// maxStringLength, or a NUL, or a number no float64 holds (422) is refused with a
// problem that says where. A refused request changes nothing: it never reaches a
// handler. The body is read once and handed on as it was.
func checkBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > maxBodySize {
			writeBodyProblem(w, tooLarge())
			return
		}
		buf := buffers.Get().(*bytes.Buffer)
		defer putBuffer(buf)
		buf.Reset()
		if r.ContentLength > 0 {
			buf.Grow(int(r.ContentLength))
		}
		n, err := buf.ReadFrom(io.LimitReader(r.Body, maxBodySize+1))
		r.Body.Close()
		switch {
		case err != nil:
			writeBodyProblem(w, &bodyProblem{status: http.StatusBadRequest, location: "body", message: "the body could not be read: " + err.Error()})
			return
		case n > maxBodySize:
			writeBodyProblem(w, tooLarge())
			return
		}
		if p := checkJSON(buf.Bytes()); p != nil {
			writeBodyProblem(w, p)
			return
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(buf.Bytes())), n
		next.ServeHTTP(w, r)
	})
}

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putBuffer keeps a buffer for the next request; the handler that read it has returned
// (huma copies the body into its own buffer).
func putBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= 2*maxBodySize {
		buffers.Put(buf)
	}
}

// bodyProblem is why a body was refused: the status, what is wrong, and where, as a
// location such as "body.customFields.a[2]".
type bodyProblem struct {
	status   int
	message  string
	location string
}

func tooLarge() *bodyProblem {
	return &bodyProblem{status: http.StatusRequestEntityTooLarge, location: "body",
		message: fmt.Sprintf("the body is larger than %d bytes", maxBodySize)}
}

// writeBodyProblem answers with the problem the way huma answers its own.
func writeBodyProblem(w http.ResponseWriter, p *bodyProblem) {
	model := &huma.ErrorModel{Status: p.status, Title: http.StatusText(p.status), Detail: "the request body is refused: " + p.message}
	if p.location != "" {
		model.Errors = []*huma.ErrorDetail{{Location: p.location, Message: p.message}}
	}
	writeProblem(w, model)
}

// checkJSON returns the first problem of a body, or nil. encoding/json judges the
// grammar (json.Valid allocates nothing); a walk over the bytes it passed then checks
// the bounds, and each string's raw bytes, since decoding would turn invalid UTF-8 and
// lone surrogates into U+FFFD without saying so.
func checkJSON(body []byte) *bodyProblem {
	w := walkers.Get().(*walker)
	defer w.release()
	if !json.Valid(body) {
		return w.syntaxProblem(body)
	}
	return w.walk(body, false)
}

var walkers = sync.Pool{New: func() any { return new(walker) }}

// walker is the state of one checkJSON, pooled so that a request allocates little more
// than one string per member name.
type walker struct {
	stack []frame
	// names holds, per depth, the member names of the object open there, reused from
	// request to request.
	names []map[string]struct{}
}

// frame is one object or array being walked.
type frame struct {
	object  bool
	wantKey bool   // an object's next string is a member name
	key     string // an object's current member
	index   int    // an array's current element, -1 before the first
}

func (w *walker) release() {
	clear(w.stack[:cap(w.stack)]) // the member names, which may be long
	w.stack = w.stack[:0]
	for i, m := range w.names {
		if len(m) > 1024 {
			w.names[i] = nil // let a huge object's map go rather than keep it pooled
		}
	}
	walkers.Put(w)
}

// walk checks the values of body, which json.Valid accepted; or, with prefix, only
// follows the structure of a valid start of a document, up to where it breaks off.
func (w *walker) walk(body []byte, prefix bool) *bodyProblem {
	for i := 0; i < len(body); {
		switch c := body[i]; c {
		case ' ', '\t', '\n', '\r', ',', ':':
			i++
		case '{', '[':
			w.value()
			if p := w.push(c == '{'); p != nil {
				return p
			}
			i++
		case '}', ']':
			w.stack = w.stack[:len(w.stack)-1]
			i++
		case '"':
			end := stringEnd(body, i)
			if end < 0 {
				return nil // a prefix that breaks off inside a string
			}
			if p := w.stringToken(body[i:end], prefix); p != nil {
				return p
			}
			i = end
		default: // a number, true, false or null
			end := i + 1
			for end < len(body) && !isDelimiter(body[end]) {
				end++
			}
			w.value()
			if !prefix && (c == '-' || c >= '0' && c <= '9') {
				if p := w.checkNumber(body[i:end]); p != nil {
					return p
				}
			}
			i = end
		}
	}
	return nil
}

// stringToken walks a string literal, quotes included: a member name or a value.
func (w *walker) stringToken(lit []byte, prefix bool) *bodyProblem {
	if w.inObject() && w.top().wantKey {
		return w.memberName(lit, prefix)
	}
	w.value()
	if prefix {
		return nil
	}
	return w.checkString(lit, "a string")
}

// stringEnd returns the index after the string literal that starts at body[start], or
// -1 when body ends first.
func stringEnd(body []byte, start int) int {
	for i := start + 1; i < len(body); i++ {
		switch body[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

func isDelimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ',', ':', ']', '}':
		return true
	}
	return false
}

// memberName records the next member of the open object; lit is its literal, quotes
// included.
func (w *walker) memberName(lit []byte, prefix bool) *bodyProblem {
	f := w.top()
	f.wantKey = false
	f.key = string(lit[1 : len(lit)-1])
	if bytes.IndexByte(lit, '\\') >= 0 {
		json.Unmarshal(lit, &f.key) // rare: a name compares by its characters, not its escapes
	}
	if prefix {
		return nil
	}
	if p := w.checkString(lit, "a member name"); p != nil {
		return p
	}
	names := w.names[len(w.stack)-1]
	if _, dup := names[f.key]; dup {
		return w.problem(http.StatusUnprocessableEntity, "the member appears twice in its object")
	}
	names[f.key] = struct{}{}
	return nil
}

// value moves the enclosing object or array on to a new value.
func (w *walker) value() {
	if len(w.stack) == 0 {
		return
	}
	f := w.top()
	if f.object {
		f.wantKey = true // after this value; a nested one is walked before the next name
	} else {
		f.index++
	}
}

func (w *walker) push(object bool) *bodyProblem {
	if len(w.stack) == maxDepth {
		return w.problem(http.StatusUnprocessableEntity, fmt.Sprintf("objects and arrays nest more than %d deep", maxDepth))
	}
	w.stack = append(w.stack, frame{object: object, wantKey: object, index: -1})
	if object {
		depth := len(w.stack) - 1
		for len(w.names) <= depth {
			w.names = append(w.names, nil)
		}
		if w.names[depth] == nil {
			w.names[depth] = make(map[string]struct{})
		}
		clear(w.names[depth])
	}
	return nil
}

func (w *walker) top() *frame { return &w.stack[len(w.stack)-1] }

func (w *walker) inObject() bool { return len(w.stack) > 0 && w.top().object }

// checkNumber refuses a number that encoding/json would not decode into a float64.
func (w *walker) checkNumber(lit []byte) *bodyProblem {
	if _, err := strconv.ParseFloat(string(lit), 64); err != nil {
		return w.problem(http.StatusUnprocessableEntity, fmt.Sprintf("the number %.40s is out of range", lit))
	}
	return nil
}

// checkString checks a string literal (quotes included) that json.Valid passed: valid
// UTF-8, no \u escape of a lone surrogate, no NUL, at most maxStringLength characters.
// what names it in messages.
func (w *walker) checkString(lit []byte, what string) *bodyProblem {
	lit = lit[1 : len(lit)-1]
	chars := 0
	for i := 0; i < len(lit); chars++ {
		c := lit[i]
		switch {
		case c == '\\' && lit[i+1] == 'u':
			r := hex4(lit[i+2 : i+6])
			i += 6
			switch {
			case r == 0:
				return w.problem(http.StatusUnprocessableEntity, what+" holds a NUL character (\\u0000)")
			case utf16.IsSurrogate(r):
				var low rune = -1
				if i+6 <= len(lit) && lit[i] == '\\' && lit[i+1] == 'u' {
					low = hex4(lit[i+2 : i+6])
				}
				if utf16.DecodeRune(r, low) == utf8.RuneError {
					return w.problem(http.StatusBadRequest, what+" holds a \\u escape of a lone UTF-16 surrogate, which is not a character")
				}
				i += 6
			}
		case c == '\\':
			i += 2
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(lit[i:])
			if r == utf8.RuneError && size <= 1 {
				return w.problem(http.StatusBadRequest, what+" is not valid UTF-8")
			}
			i += size
		}
	}
	if chars > maxStringLength {
		return w.problem(http.StatusUnprocessableEntity, fmt.Sprintf("%s is longer than %d characters", what, maxStringLength))
	}
	return nil
}

// hex4 reads the four hexadecimal digits of a \u escape, which json.Valid has checked.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		switch {
		case c >= 'a':
			c -= 'a' - 10
		case c >= 'A':
			c -= 'A' - 10
		default:
			c -= '0'
		}
		r = r<<4 | rune(c)
	}
	return r
}

// syntaxProblem explains why body is not JSON, and where: json.Unmarshal says what
// and at which byte, and the walk of the valid part before that byte says in which
// member.
func (w *walker) syntaxProblem(body []byte) *bodyProblem {
	var v json.RawMessage
	err := json.Unmarshal(body, &v)
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) { // cannot happen: json.Valid refused it
		return &bodyProblem{status: http.StatusBadRequest, location: "body", message: "the body is not valid JSON"}
	}
	valid := max(syntax.Offset-1, 0)
	if syntax.Offset == int64(len(body)) && strings.HasPrefix(syntax.Error(), "unexpected end") {
		valid = int64(len(body))
	}
	w.walk(body[:valid], true)
	msg := strings.TrimPrefix(syntax.Error(), "json: ")
	return w.problem(http.StatusBadRequest, fmt.Sprintf("the body is not valid JSON: %s (at byte %d)", msg, syntax.Offset))
}

// problem locates a problem at the value being walked, as huma locates its own:
// "body", then ".name" per member and "[i]" per element.
func (w *walker) problem(status int, message string) *bodyProblem {
	var b strings.Builder
	b.WriteString("body")
	for _, f := range w.stack {
		switch {
		case f.object && f.key != "":
			b.WriteByte('.')
			b.WriteString(shorten(f.key))
		case !f.object && f.index >= 0:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(f.index))
			b.WriteByte(']')
		}
	}
	return &bodyProblem{status: status, message: message, location: b.String()}
}

// shorten cuts a member name to 64 bytes for a location: the name may be the very
// thing that is too long.
func shorten(name string) string {
	if len(name) <= 64 {
		return name
	}
	cut := 64
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut] + "…"
}
