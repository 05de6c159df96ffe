package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/feedwire/feedwire"
)

// output is the response of an operation: its body.
type output[T any] struct {
	Body T
}

// idInput names one resource in the path.
type idInput struct {
	ID string `path:"id" doc:"The resource's id"`
}

// listInput selects one page of a list.
type listInput struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"100" default:"20" doc:"How many items to return, 1 to 100"`
	Cursor string `query:"cursor" doc:"The nextCursor of the previous page"`
}

// params turns the query into list parameters, refusing a cursor this API did not make.
func (in *listInput) params() (feedwire.ListParams, error) {
	after, err := decodeCursor(in.Cursor)
	if err != nil {
		return feedwire.ListParams{}, err
	}
	return feedwire.ListParams{Limit: in.Limit, After: after}, nil
}

// listBody is one page of a list, newest first.
type listBody[T any] struct {
	Object     string  `json:"object" enum:"list"`
	Data       []T     `json:"data"`
	NextCursor *string `json:"nextCursor" nullable:"true" doc:"Pass as cursor for the next page; null on the last page"`
}

// newList returns a page of domain values as a list of their API representations.
func newList[T, B any](page *feedwire.Page[T], body func(*T) B) *output[listBody[B]] {
	out := &output[listBody[B]]{Body: listBody[B]{Object: "list", Data: make([]B, len(page.Items))}}
	for i := range page.Items {
		out.Body.Data[i] = body(&page.Items[i])
	}
	if page.Next != "" {
		cursor := encodeCursor(page.Next)
		out.Body.NextCursor = &cursor
	}
	return out
}

// Cursors are opaque to clients: the last id of a page, base64-encoded so that nobody
// builds one by hand and comes to depend on its shape.
func encodeCursor(id string) string {
	return cursorEncoding.EncodeToString([]byte(id))
}

// cursorEncoding is strict, so that each id has exactly one cursor, and decodeCursor
// takes back only what encodeCursor made.
var cursorEncoding = base64.RawURLEncoding.Strict()

// maxCursorID is longer than any id feedwire makes (UUIDs have 36 characters), and
// bounds what a forged cursor makes the list query compare.
const maxCursorID = 64

func decodeCursor(cursor string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	if len(cursor) > cursorEncoding.EncodedLen(maxCursorID) {
		return "", feedwire.Invalid("query.cursor", "is not a cursor this API returned")
	}
	b, err := cursorEncoding.DecodeString(cursor)
	// The decoder skips line breaks: a cursor must also be the one encoding of its id.
	if err != nil || len(b) == 0 || strings.IndexFunc(string(b), notIDRune) >= 0 || encodeCursor(string(b)) != cursor {
		return "", feedwire.Invalid("query.cursor", "is not a cursor this API returned")
	}
	return string(b), nil
}

// notIDRune reports a character that no id feedwire makes contains.
func notIDRune(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-')
}

// patchField is one member of a PATCH body: absent keeps the value, null clears it (a
// member tagged nullable; the others refuse null), anything else replaces it. It is a feedwire.Field that can decode itself and describe
// itself in the OpenAPI document.
type patchField[T any] feedwire.Field[T]

// UnmarshalJSON is called only for members that are present.
func (f *patchField[T]) UnmarshalJSON(b []byte) error {
	f.Set = true
	if bytes.Equal(b, []byte("null")) {
		f.Null = true
		return nil
	}
	return json.Unmarshal(b, &f.Value)
}

// Schema describes the field as its value's type. A member that null clears says so
// with the nullable tag: the schema allows null exactly where the server does.
func (f patchField[T]) Schema(r huma.Registry) *huma.Schema {
	return r.Schema(reflect.TypeFor[T](), true, "")
}

func (f patchField[T]) field() feedwire.Field[T] { return feedwire.Field[T](f) }

// The four operations every resource has, built from its service's methods and the
// functions that translate between the API's bodies and the domain's types.

func createOne[I, In, T, B any](create func(context.Context, string, In) (*T, error), input func(*I) In, body func(*T) B) handler[I, output[B]] {
	return func(ctx context.Context, workspaceID string, in *I) (*output[B], error) {
		v, err := create(ctx, workspaceID, input(in))
		if err != nil {
			return nil, err
		}
		return &output[B]{body(v)}, nil
	}
}

func getOne[T, B any](get func(context.Context, string, string) (*T, error), body func(*T) B) handler[idInput, output[B]] {
	return func(ctx context.Context, workspaceID string, in *idInput) (*output[B], error) {
		v, err := get(ctx, workspaceID, in.ID)
		if err != nil {
			return nil, err
		}
		return &output[B]{body(v)}, nil
	}
}

func listAll[T, B any](list func(context.Context, string, feedwire.ListParams) (*feedwire.Page[T], error), body func(*T) B) handler[listInput, output[listBody[B]]] {
	return func(ctx context.Context, workspaceID string, in *listInput) (*output[listBody[B]], error) {
		p, err := in.params()
		if err != nil {
			return nil, err
		}
		page, err := list(ctx, workspaceID, p)
		if err != nil {
			return nil, err
		}
		return newList(page, body), nil
	}
}

// patchInput is the input of every PATCH: the id in the path and a body that converts
// itself to the domain's patch.
type patchInput[P any, B interface{ patch() P }] struct {
	ID   string `path:"id"`
	Body B
}

func updateOne[P any, PB interface{ patch() P }, T, B any](update func(context.Context, string, string, P) (*T, error), body func(*T) B) handler[patchInput[P, PB], output[B]] {
	return func(ctx context.Context, workspaceID string, in *patchInput[P, PB]) (*output[B], error) {
		v, err := update(ctx, workspaceID, in.ID, in.Body.patch())
		if err != nil {
			return nil, err
		}
		return &output[B]{body(v)}, nil
	}
}

// deleteOne answers a DELETE with the deleted object's id.
func deleteOne(object string, remove func(ctx context.Context, workspaceID, id string) error) handler[idInput, output[deletedBody]] {
	return func(ctx context.Context, workspaceID string, in *idInput) (*output[deletedBody], error) {
		if err := remove(ctx, workspaceID, in.ID); err != nil {
			return nil, err
		}
		return &output[deletedBody]{deletedBody{ID: in.ID, Object: object, Deleted: true}}, nil
	}
}
