package store_test

import (
	"os"
	"testing"

	"github.com/feedwire/feedwire/internal/testpg"
)

// TestMain runs the store's tests on SQLite and then, when FEEDWIRE_TEST_POSTGRES names a
// Postgres server (./scripts/test starts one), once more on Postgres: one suite, both
// engines. Each test on Postgres gets a database of its own.
func TestMain(m *testing.M) {
	os.Exit(testpg.Suite{
		Package: "store",
		SQLiteOnly: []string{
			"TestReleaseLeases",            // at start every lease is a dead process's
			"TestOneOwner",                 // one serve process owns a SQLite file
			"TestSecretsSealedAtRest",      // reads the database files
			"TestSecretKey",                // the key file beside the database
			"TestFileModes",                // the database files' modes
			"TestPlainSecretsSealedOnOpen", // reads the database files
			"TestGroupCommit",              // SQLite's committer
			"TestGroupCommitCallerGone",    // SQLite's committer
		},
		PostgresOnly: []string{ // nodes sharing one database; SQLite has one serve (TestOneOwner)
			"TestNodesClaimApart",
			"TestNodesReleaseOnlyTheirOwnLeases",
			"TestLeadMovesWhenTheLeaderGoes",
			"TestNodesWriteSideBySide",
			"TestKeyRevokedOnAnotherNode",
		},
	}.Run(m))
}
