// Package feedwire is the vocabulary of the feedwire product-feedback hub: its resources
// (users, messages, discoveries, components, feedback), the events their changes emit,
// the error kinds every layer speaks, and the service interfaces the stores implement.
//
// It imports only the standard library. Storage lives in package store, the REST API in
// package httpapi, the wire formats in packages webhook and wire.
package feedwire

import "time"

// MaxListLimit is the most items one page of a list holds.
const MaxListLimit = 100

// ListParams selects one page of a list, newest first.
type ListParams struct {
	// Limit is the most items to return, 1 to MaxListLimit.
	Limit int
	// After continues a previous page: only items older than the one with this id.
	After string
}

// Page is one page of a list. Next is the id to pass as ListParams.After for the next
// page, or empty when this is the last page.
type Page[T any] struct {
	Items []T
	Next  string
}

// Field is one field of a partial update (a JSON merge patch): an absent field keeps its
// value, a null one is cleared, any other value replaces it.
type Field[T any] struct {
	Set   bool // the update names the field
	Null  bool // the update sets the field to null
	Value T
}

// Set returns a Field that replaces a value with v.
func Set[T any](v T) Field[T] { return Field[T]{Set: true, Value: v} }

// Null returns a Field that clears a value.
func Null[T any]() Field[T] { return Field[T]{Set: true, Null: true} }

// applyRequired applies f to a field that may not be null.
func applyRequired[T any](f Field[T], dst *T, name string, p *Problems) {
	if !f.Set {
		return
	}
	if f.Null {
		p.Add(name, "must not be null")
		return
	}
	*dst = f.Value
}

// applyOrDefault applies f to a field whose null restores its default, def.
func applyOrDefault[T any](f Field[T], dst *T, def T) {
	if !f.Set {
		return
	}
	*dst = def
	if !f.Null {
		*dst = f.Value
	}
}

// applyOptional applies f to a nullable field.
func applyOptional[T any](f Field[T], dst **T) {
	if !f.Set {
		return
	}
	if f.Null {
		*dst = nil
		return
	}
	v := f.Value
	*dst = &v
}

// Timestamps are kept to the millisecond, the precision of both wire formats, so that
// what is stored is exactly what is served and signed.
const TimePrecision = time.Millisecond
