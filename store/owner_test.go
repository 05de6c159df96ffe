package store_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedwire/feedwire/store"
)

// TestOneOwner: a database opened as its owner cannot be opened so again until it is
// closed, while opening it without claiming it (keys create, migrate) still works.
func TestOneOwner(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "owned.db")
	first, err := store.Open(ctx, dsn, store.Options{Owner: true})
	if err != nil {
		t.Fatal(err)
	}
	if second, err := store.Open(ctx, dsn, store.Options{Owner: true}); err == nil || !strings.Contains(err.Error(), "another feedwire serve") {
		if second != nil {
			second.Close()
		}
		t.Fatalf("a second owner: got %v, want an error saying another feedwire serve runs on it", err)
	}
	visitor, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatalf("opening without owning it, beside its owner: %v", err)
	}
	visitor.Close()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	next, err := store.Open(ctx, dsn, store.Options{Owner: true})
	if err != nil {
		t.Fatalf("an owner after the first closed: %v", err)
	}
	next.Close()
}
