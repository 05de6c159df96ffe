package filter

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// operator is one compiled operator of a condition and its operand.
type operator struct {
	name    string // "$eq", "$gt", …
	operand any    // as Decode gives values: float64 for numbers
}

// operatorNames lists the operators a condition takes, as the messages name them.
const operatorNames = "$eq, $ne, $in, $nin, $exists, $gt, $gte, $lt, $lte"

// operators compiles a condition: a value to equal, or an object of operators.
func (p *parser) operators(v any, at string) ([]operator, error) {
	m, ok := v.(map[string]any)
	if !ok || !hasOperator(m) {
		// A plain value, an object without operators included: equality.
		if err := p.count(at); err != nil {
			return nil, err
		}
		return []operator{{name: "$eq", operand: normalize(v)}}, nil
	}
	if len(m) == 0 {
		return nil, &Error{Path: at, Message: "must be a value or an object of operators"}
	}
	var ops []operator
	for _, name := range sortedKeys(m) {
		opAt := at + "." + name
		if !strings.HasPrefix(name, "$") {
			return nil, &Error{Path: opAt, Message: "mixes a member with operators: write {\"$eq\": {…}} to match an object with operator-like members"}
		}
		if err := p.count(opAt); err != nil {
			return nil, err
		}
		op, err := compileOperator(name, m[name], opAt)
		if err != nil {
			return nil, err
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// count counts one more condition, refusing the filter past MaxConditions.
func (p *parser) count(at string) error {
	p.conditions++
	if p.conditions > MaxConditions {
		return &Error{Path: at, Message: fmt.Sprintf("is past the %d conditions a filter may hold", MaxConditions)}
	}
	return nil
}

func hasOperator(m map[string]any) bool {
	for k := range m {
		if strings.HasPrefix(k, "$") {
			return true
		}
	}
	return false
}

// compileOperator checks an operator's operand.
func compileOperator(name string, operand any, at string) (operator, error) {
	switch name {
	case "$eq", "$ne":
	case "$in", "$nin":
		list, ok := operand.([]any)
		if !ok {
			return operator{}, &Error{Path: at, Message: "must be an array of values"}
		}
		if len(list) > MaxInValues {
			return operator{}, &Error{Path: at, Message: fmt.Sprintf("must hold at most %d values", MaxInValues)}
		}
	case "$exists":
		if _, ok := operand.(bool); !ok {
			return operator{}, &Error{Path: at, Message: "must be true or false"}
		}
	case "$gt", "$gte", "$lt", "$lte":
		switch operand.(type) {
		case json.Number, string:
		default:
			return operator{}, &Error{Path: at, Message: "must be a number or a string"}
		}
	default:
		return operator{}, &Error{Path: at, Message: fmt.Sprintf("%s is not an operator; the operators are %s", name, operatorNames)}
	}
	return operator{name: name, operand: normalize(operand)}, nil
}

// normalize turns a value decoded with UseNumber into one as Decode gives it.
func normalize(v any) any {
	switch v := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return string(v) // out of float64's range: it can only equal itself as text
		}
		return f
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normalize(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = normalize(e)
		}
		return out
	}
	return v
}

// holds reports whether the values of a path satisfy the operator.
func (op operator) holds(values []any) bool {
	switch op.name {
	case "$eq":
		return anyEqual(values, op.operand)
	case "$ne":
		return !anyEqual(values, op.operand)
	case "$in":
		return anyIn(values, op.operand.([]any))
	case "$nin":
		return !anyIn(values, op.operand.([]any))
	case "$exists":
		return (len(values) > 0) == op.operand.(bool)
	}
	for _, v := range values {
		if c, ok := compare(v, op.operand); ok && ordered(op.name, c) {
			return true
		}
	}
	return false
}

func anyIn(values []any, list []any) bool {
	for _, want := range list {
		if anyEqual(values, want) {
			return true
		}
	}
	return false
}

// anyEqual reports whether one of values equals want, an array also by one of its
// elements.
func anyEqual(values []any, want any) bool {
	for _, v := range values {
		if equal(v, want) {
			return true
		}
		if list, ok := v.([]any); ok {
			for _, e := range list {
				if equal(e, want) {
					return true
				}
			}
		}
	}
	return false
}

// equal compares two decoded JSON values.
func equal(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, av := range a {
			bv, ok := b[k]
			if !ok || !equal(av, bv) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equal(a[i], b[i]) {
				return false
			}
		}
		return true
	}
	return a == b // nil, bool, float64, string: comparable
}

// compare orders a value against an operand of the same kind: -1, 0 or 1, and false
// when they are not both numbers or both strings.
func compare(v, operand any) (int, bool) {
	switch o := operand.(type) {
	case float64:
		if n, ok := v.(float64); ok {
			return cmp.Compare(n, o), true
		}
	case string:
		if s, ok := v.(string); ok {
			return cmp.Compare(s, o), true
		}
	}
	return 0, false
}

func ordered(name string, c int) bool {
	switch name {
	case "$gt":
		return c > 0
	case "$gte":
		return c >= 0
	case "$lt":
		return c < 0
	}
	return c <= 0 // $lte
}

// resolve appends the values at path in v to out. A name that is a number indexes an
// array; any other name reached on an array is looked up in each element.
func resolve(v any, path []string, out []any) []any {
	if len(path) == 0 {
		return append(out, v)
	}
	switch v := v.(type) {
	case map[string]any:
		if child, ok := v[path[0]]; ok {
			return resolve(child, path[1:], out)
		}
	case []any:
		if i, err := strconv.Atoi(path[0]); err == nil {
			if i >= 0 && i < len(v) {
				return resolve(v[i], path[1:], out)
			}
			return out
		}
		for _, e := range v {
			out = resolve(e, path, out)
		}
	}
	return out
}
