package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/client"
)

func runKeys(ctx context.Context, e env, args []string) error {
	return subcommand(e, "keys", map[string]func([]string) error{
		"create": func(args []string) error { return keysCreate(ctx, e, args) },
		"list":   func(args []string) error { return keysList(ctx, e, args) },
		"revoke": func(args []string) error { return keysRevoke(ctx, e, args) },
		"rotate": func(args []string) error { return keysRotate(ctx, e, args) },
	}, "create|list|revoke|rotate", args)
}

// keysCreate works on the database, not through the API: it is how the first key of a
// workspace is made, and how a workspace whose keys are all revoked gets a new one.
func keysCreate(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "keys create",
		"Create an API key for a workspace, creating the workspace if needed, and print the key on stdout.\n"+
			"It works on the database directly, on the server's machine. The key is shown only this once;\n"+
			"feedwire stores only its hash.",
		"  export FEEDWIRE_API_KEY=$(feedwire keys create --workspace acme)\n"+
			"  feedwire keys create --workspace acme --name ci --expires-in 720h")
	workspace := fs.String("workspace", "default", "name of the workspace the key acts for")
	name := fs.String("name", "", "a name for people, such as ci")
	expiresIn := fs.Duration("expires-in", 0, "how long the key works, such as 720h; never expires when 0")
	database := databaseFlag(fs)
	create := fs.Bool("create-database", false, "start a new SQLite database if there is none at --database (serve makes one when it first starts)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkDatabaseExists(*database, *create); err != nil {
		return err
	}
	in := feedwire.APIKeyInput{ExpiresIn: *expiresIn}
	if *name != "" {
		in.Name = name
	}
	s, err := openStore(ctx, e, *database)
	if err != nil {
		return err
	}
	defer s.Close()
	ws, key, err := s.BootstrapAPIKey(ctx, *workspace, in)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, key.Secret)
	fmt.Fprintf(e.stderr, "created API key %s (%s…) for workspace %q (%s)%s\n", key.ID, key.Prefix, ws.Name, ws.ID, expiry(key.ExpiresAt))
	return nil
}

// checkDatabaseExists refuses a SQLite database that does not exist unless create is
// set: run from another directory, keys create would otherwise make a new, empty
// database and a key that the server, on its own database, refuses.
func checkDatabaseExists(dsn string, create bool) error {
	path, isSQLite := strings.CutPrefix(dsn, "sqlite:")
	if !isSQLite || create {
		return nil
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return usageError(fmt.Sprintf("keys create: there is no database at %s: run it where feedwire serve runs, or pass the server's --database; --create-database starts a new one", path))
	}
	return nil
}

func expiry(t *time.Time) string {
	if t == nil {
		return ""
	}
	return "; it expires at " + t.Format(time.RFC3339)
}

func keysList(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "keys list", "List the workspace's API keys by prefix; the keys themselves are never shown again.",
		"  feedwire keys list\n  feedwire keys list --output json")
	connect := remoteFlags(fs, e)
	limit := fs.Int("limit", 100, "at most this many")
	r, _, err := parseRemote(fs, connect, args, 0, "no arguments")
	if err != nil {
		return err
	}
	list, err := r.client.APIKeys(ctx, client.ListOptions{Limit: *limit})
	if err != nil {
		return err
	}
	now := time.Now()
	rows := make([][]string, len(list.Data))
	for i, k := range list.Data {
		rows[i] = []string{k.ID, orDash(k.Name), k.Prefix + "…", k.Status(now), k.CreatedAt.Format(time.RFC3339),
			timeOrDash(k.LastUsedAt), timeOrDash(k.ExpiresAt), timeOrDash(k.RevokedAt)}
	}
	return r.table(list.Data, []string{"ID", "NAME", "PREFIX", "STATUS", "CREATED", "LAST USED", "EXPIRES", "REVOKED"}, rows)
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}

func keysRevoke(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "keys revoke", "Revoke an API key: the very next request with it is refused. A key may revoke\n"+
		"itself, and the last key may be revoked: feedwire keys create, on the server's machine, makes a new one.",
		"  feedwire keys revoke c0m4xk2a9…")
	connect := remoteFlags(fs, e)
	r, ids, err := parseRemote(fs, connect, args, 1, "an API key id (feedwire keys list shows them)")
	if err != nil {
		return err
	}
	k, err := r.client.RevokeAPIKey(ctx, ids[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "revoked API key %s (%s…)\n", k.ID, k.Prefix)
	return nil
}

func keysRotate(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "keys rotate", "Replace an API key with a new one, printed on stdout (the only time it is shown). The old\n"+
		"key stops working at once, or after --grace-period. The new key keeps the old one's name and\n"+
		"lifetime unless --name or --expires-in say otherwise.",
		"  export FEEDWIRE_API_KEY=$(feedwire keys rotate c0m4xk2a9… --grace-period 1h)")
	connect := remoteFlags(fs, e)
	grace := fs.Duration("grace-period", 0, "how long the old key keeps working, up to 168h")
	name := fs.String("name", "", "a new name")
	expiresIn := fs.Duration("expires-in", 0, "how long the new key works, such as 720h")
	r, ids, err := parseRemote(fs, connect, args, 1, "an API key id (feedwire keys list shows them)")
	if err != nil {
		return err
	}
	var in client.APIKeyInput
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "name":
			in.Name = name
		case "expires-in":
			in.ExpiresIn = expiresIn.String()
		}
	})
	k, err := r.client.RotateAPIKey(ctx, ids[0], *grace, in)
	if err != nil {
		return err
	}
	if r.json {
		return r.show(k)
	}
	fmt.Fprintln(e.stdout, k.Secret)
	fmt.Fprintf(e.stderr, "created API key %s (%s…)%s; the old key %s stops working at %s\n",
		k.ID, k.Prefix, expiry(k.ExpiresAt), k.Replaced.ID, timeOrDash(k.Replaced.RevokedAt))
	return nil
}
