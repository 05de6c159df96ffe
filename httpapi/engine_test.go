package httpapi_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedwire/feedwire/internal/testpg"
)

// testEngine is the engine the tests run on now; TestMain runs them once per engine.
var testEngine = "sqlite"

// TestMain runs the API's tests on SQLite and then, when FEEDWIRE_TEST_POSTGRES names a
// Postgres server (./scripts/test starts one), once more on Postgres.
func TestMain(m *testing.M) {
	os.Exit(testpg.RunOnEngines(m, "httpapi", func(engine string) { testEngine = engine }))
}

// newDatabase returns the DSN of an empty database for this test on the engine under test.
func newDatabase(t *testing.T) string {
	t.Helper()
	if testEngine == "sqlite" {
		return "sqlite:" + filepath.Join(t.TempDir(), "api.db")
	}
	return testpg.Database(t)
}

// secretKeyFor is the secret key to open dsn with: Postgres always needs one.
func secretKeyFor(dsn string) string {
	if strings.HasPrefix(dsn, "postgres") {
		return testpg.SecretKey
	}
	return ""
}

// openReader opens the database dsn names for reading what the server wrote.
func openReader(dsn string) (*sql.DB, error) {
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		return sql.Open("sqlite", "file:"+path+"?mode=ro")
	}
	return sql.Open("pgx", dsn)
}
