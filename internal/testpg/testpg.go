// Package testpg gives tests a Postgres database of their own on the server that
// FEEDWIRE_TEST_POSTGRES names; ./scripts/test starts one and sets it.
package testpg

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// Variable names the server the tests may create databases on.
const Variable = "FEEDWIRE_TEST_POSTGRES"

// SecretKey is the FEEDWIRE_SECRET_KEY the tests open Postgres stores with.
const SecretKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

// Available reports whether a server is named.
func Available() bool { return os.Getenv(Variable) != "" }

// Server returns the URL of the server the tests may create databases on; without one
// it skips t, saying how to run it.
func Server(t testing.TB) string {
	t.Helper()
	if !Available() {
		t.Skipf("needs Postgres: set %s=postgres://user@host:port/db, or run ./scripts/test, which starts one", Variable)
	}
	return os.Getenv(Variable)
}

// Database creates an empty database for t, dropped when t ends, and returns its DSN.
// Without a server it skips t, saying how to run it.
func Database(t testing.TB) string {
	t.Helper()
	server := Server(t)
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s: %v", Variable, err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	name := "feedwire_test_" + hex.EncodeToString(b)
	if err := exec(server, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create a database for the test: %v", err)
	}
	t.Cleanup(func() {
		if err := exec(server, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop the test's database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

func exec(server, statement string) error {
	db, err := sql.Open("pgx", server)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(context.Background(), statement)
	return err
}

// engine is the engine the package's tests run on now; Suite.Run sets it.
var engine = "sqlite"

// Engine is the engine the package's tests run on now: "sqlite", then "postgres".
func Engine() string { return engine }

// NewDatabase returns the DSN of an empty database for t on the engine under test, and
// the secret key to open it with (Postgres always needs one).
func NewDatabase(t testing.TB) (dsn, secretKey string) {
	t.Helper()
	if engine == "sqlite" {
		return "sqlite:" + filepath.Join(t.TempDir(), "test.db"), ""
	}
	return Database(t), SecretKey
}

// Suite is a package's tests, run on both engines: one suite, not one per engine.
type Suite struct {
	Package string
	// SQLiteOnly are the tests of what only SQLite has (its files, one process owning
	// them), left out of the Postgres run; PostgresOnly those of what only Postgres has
	// (nodes sharing a database), left out of the SQLite run.
	SQLiteOnly, PostgresOnly []string
}

// Run runs the tests (m) on SQLite, then, when a server is named, once more on
// Postgres, and returns the exit code for os.Exit.
func (s Suite) Run(m *testing.M) int {
	// Parsed first, so that a -skip given to go test is kept beside the tests left out
	// rather than replacing them when m.Run would parse it.
	flag.Parse()
	if listing() {
		return m.Run() // go test -list names each test once, whatever its engine
	}
	skip := flag.Lookup("test.skip").Value.String()
	engine = "sqlite"
	s.leaveOut(skip, "SQLite", s.PostgresOnly)
	if code := m.Run(); code != 0 {
		return code
	}
	if !Available() {
		fmt.Printf("%s: the Postgres run is skipped: set %s=postgres://user@host:port/db to run the tests on Postgres too (./scripts/test starts a server and sets it)\n", s.Package, Variable)
		return 0
	}
	engine = "postgres"
	fmt.Printf("%s: the same tests on Postgres\n", s.Package)
	s.leaveOut(skip, "Postgres", s.SQLiteOnly)
	return m.Run()
}

func listing() bool {
	f := flag.Lookup("test.list")
	return f != nil && f.Value.String() != ""
}

// leaveOut sets go test's -skip pattern to skip, the one given, and tests, saying so.
func (s Suite) leaveOut(skip, engine string, tests []string) {
	pattern := skip
	if len(tests) > 0 {
		fmt.Printf("%s: left out on %s, being about the other engine alone: %s\n", s.Package, engine, strings.Join(tests, ", "))
		if pattern != "" {
			pattern += "|"
		}
		pattern += "^(" + strings.Join(tests, "|") + ")$"
	}
	flag.Set("test.skip", pattern)
}
