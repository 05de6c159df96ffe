package store_test

import (
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
	os.Exit(testpg.RunOnEngines(m, "store", func(engine string) { testEngine = engine },
		"TestReleaseLeases",            // at start every lease is a dead process's
		"TestOneOwner",                 // one serve process owns a SQLite file
		"TestSecretsSealedAtRest",      // reads the database files
		"TestSecretKey",                // the key file beside the database
		"TestFileModes",                // the database files' modes
		"TestPlainSecretsSealedOnOpen", // reads the database files
		"TestGroupCommit",              // SQLite's committer
		"TestGroupCommitCallerGone",    // SQLite's committer
	))
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
