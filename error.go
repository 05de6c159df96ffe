package feedwire

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// The error kinds. Every error a service returns to a client wraps one of them, so that
// callers test with errors.Is and never match strings.
var (
	ErrNotFound     = errors.New("not found")
	ErrInvalid      = errors.New("invalid")
	ErrConflict     = errors.New("conflict")
	ErrUnauthorized = errors.New("unauthorized")
	// ErrTooLarge is a request whose result would exceed a documented size, such as
	// an event larger than MaxEventSize: valid field by field, too big as a whole.
	ErrTooLarge = errors.New("too large")
)

// statuses are the HTTP statuses that answer the error kinds.
var statuses = []struct {
	kind   error
	status int
}{
	{ErrInvalid, http.StatusUnprocessableEntity},
	{ErrNotFound, http.StatusNotFound},
	{ErrConflict, http.StatusConflict},
	{ErrUnauthorized, http.StatusUnauthorized},
	{ErrTooLarge, http.StatusRequestEntityTooLarge},
}

// HTTPStatus returns the HTTP status that answers err, an error of one of the kinds
// above; false for any other error, which is the server's own.
func HTTPStatus(err error) (int, bool) {
	for _, st := range statuses {
		if errors.Is(err, st.kind) {
			return st.status, true
		}
	}
	return 0, false
}

// Error is an error meant for the client: its kind, a message that is safe to show, and,
// for invalid input, one problem per field.
type Error struct {
	Kind     error
	Message  string
	Problems []FieldProblem
}

// FieldProblem says what is wrong with one field of a request.
type FieldProblem struct {
	Field   string // the field's JSON name, e.g. "requesterId"
	Message string
}

func (e *Error) Error() string {
	if len(e.Problems) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + ": " + p.Message
	}
	return e.Message + ": " + strings.Join(parts, "; ")
}

// Unwrap returns the kind, so errors.Is(err, ErrNotFound) works.
func (e *Error) Unwrap() error { return e.Kind }

// NotFound returns an ErrNotFound error whose message is built like fmt.Sprintf.
func NotFound(format string, args ...any) error {
	return &Error{Kind: ErrNotFound, Message: fmt.Sprintf(format, args...)}
}

// Conflict returns an ErrConflict error whose message is built like fmt.Sprintf.
func Conflict(format string, args ...any) error {
	return &Error{Kind: ErrConflict, Message: fmt.Sprintf(format, args...)}
}

// TooLarge returns an ErrTooLarge error whose message is built like fmt.Sprintf.
func TooLarge(format string, args ...any) error {
	return &Error{Kind: ErrTooLarge, Message: fmt.Sprintf(format, args...)}
}

// Unauthorized returns an ErrUnauthorized error with the given message.
func Unauthorized(message string) error {
	return &Error{Kind: ErrUnauthorized, Message: message}
}

// Problems collects what is wrong with a request, field by field.
type Problems []FieldProblem

// Add records a problem with one field.
func (p *Problems) Add(field, message string) {
	*p = append(*p, FieldProblem{Field: field, Message: message})
}

// Err returns an ErrInvalid error holding the problems, or nil when there are none.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return &Error{Kind: ErrInvalid, Message: "the request is invalid", Problems: p}
}

// Invalid returns an ErrInvalid error for a single field.
func Invalid(field, message string) error {
	var p Problems
	p.Add(field, message)
	return p.Err()
}
