package delivery_test

import (
	"os"
	"testing"

	"github.com/feedwire/feedwire/internal/testpg"
)

// TestMain runs the delivery tests on SQLite and then, when FEEDWIRE_TEST_POSTGRES names
// a Postgres server (./scripts/test starts one), once more on Postgres.
func TestMain(m *testing.M) {
	os.Exit(testpg.Suite{Package: "delivery"}.Run(m))
}
