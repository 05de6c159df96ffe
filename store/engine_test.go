package store_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/feedwire/feedwire/internal/testpg"
)

// testEngine is the engine the tests run on now; TestMain runs them once per engine.
var testEngine = "sqlite"

// TestMain runs the store's tests on SQLite and then, when FEEDWIRE_TEST_POSTGRES names a
// Postgres server (./scripts/test starts one), once more on Postgres: one suite, both
// engines. Each test on Postgres gets a database of its own.
func TestMain(m *testing.M) {
	code := m.Run()
	if code != 0 {
		os.Exit(code)
	}
	if !testpg.Available() {
		fmt.Println("store: the Postgres run is skipped: set FEEDWIRE_TEST_POSTGRES=postgres://user@host:port/db to run the suite on Postgres too (./scripts/test starts a server and sets it)")
		os.Exit(0)
	}
	testEngine = "postgres"
	fmt.Println("store: the same tests on Postgres")
	os.Exit(m.Run())
}

// sqliteOnly skips, in the Postgres run, a test of what only SQLite has (files, modes,
// the key file, one process owning the database); why says what.
func sqliteOnly(t *testing.T, why string) {
	t.Helper()
	if testEngine != "sqlite" {
		t.Skip("SQLite only: " + why)
	}
}

// newDatabase returns the DSN of an empty database for this test on the engine under
// test, and the secret key to open it with (Postgres always needs one).
func newDatabase(t *testing.T) (dsn, secretKey string) {
	t.Helper()
	if testEngine == "sqlite" {
		return "sqlite:" + filepath.Join(t.TempDir(), "test.db"), ""
	}
	return testpg.Database(t), testpg.SecretKey
}
