// Package testpg gives tests a Postgres database of their own on the server that
// FEEDWIRE_TEST_POSTGRES names; ./scripts/test starts one and sets it.
package testpg

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// Variable names the server the tests may create databases on.
const Variable = "FEEDWIRE_TEST_POSTGRES"

// SecretKey is the FEEDWIRE_SECRET_KEY the tests open Postgres stores with.
const SecretKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

// Available reports whether a server is named.
func Available() bool { return os.Getenv(Variable) != "" }

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
