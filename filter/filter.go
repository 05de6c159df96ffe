// Package filter matches JSON documents against a webhook's filter: a JSON object whose
// members name dotted paths into the document and the values they must have, with a
// small set of MongoDB-style operators.
//
//	{"data.channel": "MAIL"}
//	{"data.item.upvotes": {"$gte": 10}, "data.item.tags": {"$in": ["ui", "api"]}}
//	{"$or": [{"topic": "post.created"}, {"data.changes.field": "status"}]}
//
// The members of an object must all match. A member whose name starts with "$" is
// $and or $or, holding an array of filters; any other member is a path and a
// condition. A condition is a value, which the path's value must equal, or an object of
// operators, which must all hold: $eq, $ne, $in, $nin, $exists, $gt, $gte, $lt, $lte.
//
// A path is the names of members from the document's root, joined by dots. A name that
// is a number indexes an array ("data.changes.0.field"); any other name reached on an
// array is looked up in each of its elements ("data.changes.field" is the field of
// every change), so a path may have several values. A condition holds when any of them
// satisfies it, but for $ne and $nin, which hold when none equals the operand, and
// $exists, which tells whether the path has a value at all (null is a value). Equality
// compares JSON values: numbers by value, objects member by member, and a value that
// is an array also equals each of its elements, so {"data.item.tags": "ui"} matches
// tags that include "ui". $gt, $gte, $lt and $lte compare numbers with numbers and
// strings with strings (byte by byte, which orders ISO 8601 times); other pairs never
// match.
//
// Parse compiles a filter once; Match then only walks the document (a few hundred
// nanoseconds for a typical filter).
// The standard library is the only import.
package filter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Limits of a filter, so that matching an event costs little whatever a client sends.
const (
	MaxSize       = 8 << 10 // bytes of the filter's JSON
	MaxConditions = 64      // paths and operators, in all
	MaxDepth      = 8       // nesting of $and and $or
	MaxPathLen    = 256     // bytes of one path
	MaxInValues   = 100     // values of one $in or $nin
)

// Error is a filter that is not valid: Path locates the part that is wrong, such as
// "$or[1].data.votes.$gt", and Message says what is wrong with it.
type Error struct {
	Path    string
	Message string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return "filter: " + e.Message
	}
	return "filter: " + e.Path + ": " + e.Message
}

// Field is where the bad part is in a webhook: "filter", or "filter." and its Path.
func (e *Error) Field() string {
	if e.Path == "" {
		return "filter"
	}
	return "filter." + e.Path
}

// Filter is a compiled filter. It is safe for concurrent use.
type Filter struct {
	root allOf
}

// node is one compiled part of a filter.
type node interface {
	match(doc any) bool
}

// allOf matches when every one of its nodes does: an object's members, or $and.
type allOf []node

func (a allOf) match(doc any) bool {
	for _, n := range a {
		if !n.match(doc) {
			return false
		}
	}
	return true
}

// anyOf matches when one of its nodes does: $or.
type anyOf []node

func (a anyOf) match(doc any) bool {
	for _, n := range a {
		if n.match(doc) {
			return true
		}
	}
	return false
}

// condition is a path and the operators its values must satisfy.
type condition struct {
	path []string
	ops  []operator
}

func (c condition) match(doc any) bool {
	values := resolve(doc, c.path, nil)
	for _, op := range c.ops {
		if !op.holds(values) {
			return false
		}
	}
	return true
}

// Parse compiles the JSON text of a filter, or says what is wrong with it.
func Parse(raw []byte) (*Filter, error) {
	if len(raw) > MaxSize {
		return nil, &Error{Message: fmt.Sprintf("must be at most %d bytes of JSON", MaxSize)}
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // operands keep their exact text until compiled
	if err := dec.Decode(&v); err != nil {
		return nil, &Error{Message: "is not JSON: " + err.Error()}
	}
	if dec.More() {
		return nil, &Error{Message: "must be one JSON object"}
	}
	p := parser{}
	root, err := p.object(v, "", 0)
	if err != nil {
		return nil, err
	}
	return &Filter{root: root}, nil
}

// Match reports whether doc, a JSON document as Decode returns it, passes the filter.
func (f *Filter) Match(doc any) bool {
	return f.root.match(doc)
}

// Decode decodes a JSON document for Match: objects as map[string]any, arrays as
// []any, numbers as float64.
func Decode(document []byte) (any, error) {
	var doc any
	if err := json.Unmarshal(document, &doc); err != nil {
		return nil, fmt.Errorf("filter: decode document: %w", err)
	}
	return doc, nil
}

// parser compiles a filter, counting its conditions against MaxConditions.
type parser struct {
	conditions int
}

// object compiles a filter object found at location at, nested depth deep in $and
// and $or.
func (p *parser) object(v any, at string, depth int) (allOf, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{Path: at, Message: "must be an object of paths and conditions"}
	}
	if len(m) == 0 {
		return nil, &Error{Path: at, Message: "must hold at least one path or $and/$or: an empty filter matches everything"}
	}
	var nodes allOf
	for _, key := range sortedKeys(m) {
		n, err := p.member(key, m[key], join(at, key), depth)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// member compiles one member of a filter object: $and, $or, or a path and its condition.
func (p *parser) member(key string, v any, at string, depth int) (node, error) {
	switch {
	case key == "$and" || key == "$or":
		return p.logical(key, v, at, depth)
	case strings.HasPrefix(key, "$"):
		return nil, &Error{Path: at, Message: fmt.Sprintf("%s is not an operator here: a filter object takes $and, $or and paths", key)}
	}
	path, err := parsePath(key, at)
	if err != nil {
		return nil, err
	}
	ops, err := p.operators(v, at)
	if err != nil {
		return nil, err
	}
	return condition{path: path, ops: ops}, nil
}

// logical compiles $and or $or: a non-empty array of filter objects.
func (p *parser) logical(key string, v any, at string, depth int) (node, error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, &Error{Path: at, Message: "must be a non-empty array of filters"}
	}
	if depth+1 > MaxDepth {
		return nil, &Error{Path: at, Message: fmt.Sprintf("nests $and and $or more than %d deep", MaxDepth)}
	}
	nodes := make([]node, len(list))
	for i, item := range list {
		n, err := p.object(item, at+"["+strconv.Itoa(i)+"]", depth+1)
		if err != nil {
			return nil, err
		}
		nodes[i] = n
	}
	if key == "$or" {
		return anyOf(nodes), nil
	}
	return allOf(nodes), nil
}

// parsePath splits a dotted path into the names of its members.
func parsePath(key, at string) ([]string, error) {
	if len(key) > MaxPathLen {
		return nil, &Error{Path: at, Message: fmt.Sprintf("is a path of more than %d bytes", MaxPathLen)}
	}
	path := strings.Split(key, ".")
	if slices.Contains(path, "") {
		return nil, &Error{Path: at, Message: "is not a path: names joined by single dots, such as data.item.boardId"}
	}
	return path, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// join locates a member of the object at at.
func join(at, key string) string {
	if at == "" {
		return key
	}
	return at + "." + key
}
