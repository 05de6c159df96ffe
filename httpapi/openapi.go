package httpapi

import (
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/feedwire/feedwire"
)

// schemaName names the schema of a Go type in the OpenAPI document, as a generated SDK
// would name its type: a representation is its resource ("User", not "userBody"), a page
// of a list is "UserList", a request body "CreateUserRequest", a PATCH body "UserPatch",
// and a problem "Problem". The Go names follow the package's conventions (…Body for
// what is sent, …InputBody or an input's Body for what is received), so the rules are
// few; huma refuses two types of one name, so none is hidden.
func schemaName(t reflect.Type, hint string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case reflect.TypeFor[huma.ErrorModel]():
		return "Problem"
	case reflect.TypeFor[huma.ErrorDetail]():
		return "ProblemDetail"
	}
	if strings.HasPrefix(t.Name(), "listBody[") {
		data, _ := t.FieldByName("Data")
		return schemaName(data.Type.Elem(), "") + "List"
	}
	name := huma.DefaultSchemaNamer(t, hint)
	if base, ok := strings.CutSuffix(name, "InputBody"); ok {
		return base + "Request" // the Body of createUserInput, or a named input body
	}
	return strings.TrimSuffix(name, "Body")
}

// describeOperations declares what every operation of the API can answer besides its
// success, and the headers of idempotent POSTs. It is derived from each operation (its
// method, its path parameters, whether it takes a body) in this one place, rather than
// listed per route, from what the middleware and the handlers answer:
//
//   - every /v1 operation: 401 (requireKey); 400 and 413, since checkBodies refuses a
//     body that is not JSON or too large whatever the operation; 422, since checkURLs
//     refuses any query value that holds a NUL (and huma and the handlers validate the
//     rest of the input); and 500; 429 when the server limits the rate of each key;
//   - one with a path id: 404;
//   - one that takes a body: 415 (huma, when its Content-Type is not JSON);
//   - a POST: 400, 409 and 422 for its Idempotency-Key (see idempotent), and 409 for any
//     write (POST, PATCH, DELETE), which can conflict with the state of what it changes.
func describeOperations(doc *huma.OpenAPI, rateLimited bool) {
	problem := doc.Components.Schemas.Schema(reflect.TypeFor[huma.ErrorModel](), true, "")
	for _, item := range doc.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Patch, item.Delete, item.Put} {
			if op == nil || len(op.Security) == 0 {
				continue
			}
			delete(op.Responses, "default")
			for status, description := range problemStatuses(op, rateLimited) {
				op.Responses[strconv.Itoa(status)] = &huma.Response{
					Description: description,
					Headers:     problemHeaders(status),
					Content:     map[string]*huma.MediaType{"application/problem+json": {Schema: problem}},
				}
			}
			if op.Method == http.MethodPost {
				declareIdempotency(op)
			}
		}
	}
}

// problemStatuses are the problems op can answer, each with when it does.
func problemStatuses(op *huma.Operation, rateLimited bool) map[int]string {
	statuses := map[int]string{
		http.StatusBadRequest:            "The body is not valid JSON, or not UTF-8.",
		http.StatusRequestEntityTooLarge: fmt.Sprintf("The body is larger than %d bytes, or would make a resource too large.", maxBodySize),
		http.StatusUnauthorized:          "No API key, or one that is unknown, revoked or expired.",
		http.StatusUnprocessableEntity:   "A parameter or a member of the body is invalid; each of errors names one and says why.",
		http.StatusInternalServerError:   "An internal error; the detail quotes the request id under which the server log has it.",
	}
	if rateLimited {
		statuses[http.StatusTooManyRequests] = "The API key is over its rate limit; retry after Retry-After seconds."
	}
	if strings.Contains(op.Path, "{") {
		statuses[http.StatusNotFound] = "Nothing of the workspace has this id."
	}
	if op.RequestBody != nil {
		statuses[http.StatusUnsupportedMediaType] = "The Content-Type of the body is not JSON."
	}
	switch op.Method {
	case http.MethodPost:
		statuses[http.StatusBadRequest] += " Or the Idempotency-Key header is not 1 to 255 printable ASCII characters."
		statuses[http.StatusConflict] = "The request conflicts with the state of what it changes, or a request with the same Idempotency-Key is still running: retry after Retry-After seconds."
		statuses[http.StatusUnprocessableEntity] += " Or the Idempotency-Key was sent with another request."
	case http.MethodPatch, http.MethodDelete:
		statuses[http.StatusConflict] = "The request conflicts with the state of what it changes."
	}
	return statuses
}

// problemHeaders are the headers a problem of status carries.
func problemHeaders(status int) map[string]*huma.Header {
	switch status {
	case http.StatusUnauthorized:
		return map[string]*huma.Header{"WWW-Authenticate": {Description: "The Bearer scheme; error=\"invalid_token\" when a key was given", Schema: &huma.Schema{Type: huma.TypeString}}}
	case http.StatusTooManyRequests, http.StatusConflict:
		return map[string]*huma.Header{"Retry-After": {Description: "Seconds to wait before sending the request again", Schema: &huma.Schema{Type: huma.TypeInteger}}}
	}
	return nil
}

// declareIdempotency adds the Idempotency-Key header to a POST, and says on its success
// that a replayed answer is marked.
func declareIdempotency(op *huma.Operation) {
	lifetime := fmt.Sprintf("%.0f hours", feedwire.IdempotencyKeyLifetime.Hours())
	op.Parameters = append(op.Parameters, &huma.Param{
		Name: "Idempotency-Key", In: "header",
		Description: "Makes the request safe to send again: the first request with a key runs and its successful answer is kept for " + lifetime + "; the same request (method, path and body) with the key again gets that answer again, marked Idempotent-Replayed, and changes nothing. A UUID is a good key.",
		Schema:      &huma.Schema{Type: huma.TypeString, MinLength: ptr(1), MaxLength: ptr(255), Pattern: "^[!-~]+$"},
	})
	for code, response := range op.Responses {
		if !strings.HasPrefix(code, "2") {
			continue
		}
		if response.Headers == nil {
			response.Headers = map[string]*huma.Header{}
		}
		response.Headers["Idempotent-Replayed"] = &huma.Header{
			Description: "true when this is the kept answer of an earlier request with the same Idempotency-Key",
			Schema:      &huma.Schema{Type: huma.TypeString, Enum: []any{"true"}},
		}
	}
}

func ptr[T any](v T) *T { return &v }
