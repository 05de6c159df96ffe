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

// Server returns the URL of the server the tests may create databases on, for code
// under test that makes its own (feedwire bench); it skips t when none is named.
func Server(t testing.TB) string {
	t.Helper()
	if !Available() {
		t.Skipf("set %s=postgres://user@host:port/db to run this test (./scripts/test starts a server and sets it)", Variable)
	}
	return os.Getenv(Variable)
}

// Database creates an empty database for t, dropped when t ends, and returns its DSN.
// Without a server it skips t, saying how to run it.
func Database(t testing.TB) string {
	t.Helper()
	server := os.Getenv(Variable)
	if server == "" {
		t.Skip("needs Postgres: set " + Variable + "=postgres://user@host:port/db, or run ./scripts/test, which starts one")
	}
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

// RunOnEngines runs a package's tests (m) on SQLite, then, when a server is named, once
// more on Postgres: one suite, both engines. use sets the engine the package's tests
// open their stores on ("sqlite" or "postgres") before each run. The tests named in
// sqliteOnly, of what only SQLite has (its files, one process owning them), are left
// out of the Postgres run. It returns the exit code for os.Exit.
func RunOnEngines(m *testing.M, pkg string, use func(engine string), sqliteOnly ...string) int {
	use("sqlite")
	if code := m.Run(); code != 0 || listing() {
		return code // go test -list names each test once
	}
	if !Available() {
		fmt.Printf("%s: the Postgres run is skipped: set %s=postgres://user@host:port/db to run the tests on Postgres too (./scripts/test starts a server and sets it)\n", pkg, Variable)
		return 0
	}
	use("postgres")
	fmt.Printf("%s: the same tests on Postgres\n", pkg)
	if len(sqliteOnly) > 0 {
		fmt.Printf("%s: left out on Postgres, being about SQLite alone: %s\n", pkg, strings.Join(sqliteOnly, ", "))
		leaveOut(sqliteOnly)
	}
	return m.Run()
}

func listing() bool {
	f := flag.Lookup("test.list")
	return f != nil && f.Value.String() != ""
}

// leaveOut adds tests to go test's -skip pattern.
func leaveOut(tests []string) {
	pattern := "^(" + strings.Join(tests, "|") + ")$"
	if skip := flag.Lookup("test.skip").Value.String(); skip != "" {
		pattern = skip + "|" + pattern
	}
	flag.Set("test.skip", pattern)
}
