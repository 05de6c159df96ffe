package store

import (
	"slices"
	"testing"
	"time"
)

// TestIDsSortInTheOrderMade: ids made in one millisecond, past the sequence's end, or
// after the clock stepped back, still sort in the order they were made, and keep seed
// 000's shape.
func TestIDsSortInTheOrderMade(t *testing.T) {
	now := time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)
	var ids []string
	for i := range maxIDSequence + 10 {
		at := now
		if i == 500 {
			at = now.Add(-time.Second) // the clock stepped back
		}
		ids = append(ids, newID(at))
	}
	for i, id := range ids {
		if len(id) != 24 || id[0] != 'c' {
			t.Fatalf("id %d: %q is not 24 characters starting with c", i, id)
		}
	}
	if !slices.IsSorted(ids) {
		t.Error("ids made in one millisecond do not sort in the order they were made")
	}
	if later := newID(now.Add(time.Hour)); later < ids[len(ids)-1] {
		t.Errorf("an id an hour later, %s, sorts before %s", later, ids[len(ids)-1])
	}
}
