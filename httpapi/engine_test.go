package httpapi_test

import (
	"database/sql"
	"os"
	"strings"
	"testing"

	"github.com/feedwire/feedwire/internal/testpg"
)

// TestMain runs the API's tests on SQLite and then, when FEEDWIRE_TEST_POSTGRES names a
// Postgres server (./scripts/test starts one), once more on Postgres.
func TestMain(m *testing.M) {
	os.Exit(testpg.Suite{Package: "httpapi"}.Run(m))
}

// openReader opens the database dsn names for reading what the server wrote.
func openReader(dsn string) (*sql.DB, error) {
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		return sql.Open("sqlite", "file:"+path+"?mode=ro")
	}
	return sql.Open("pgx", dsn)
}
