package main

import (
	"context"
	"fmt"
)

func runKeys(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprintln(e.stdout, "Usage: feedwire keys create [--workspace NAME] [--database DSN]")
			return nil
		}
		return usageError("keys: want keys create")
	}
	fs := newFlagSet(e, "keys create",
		"Create an API key for a workspace, creating the workspace if needed, and print the key on stdout.\nThe key is shown only this once; feedwire stores only its hash.",
		"  export FEEDWIRE_API_KEY=$(feedwire keys create --workspace acme)")
	workspace := fs.String("workspace", "default", "name of the workspace the key acts for")
	database := databaseFlag(fs, e)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	s, err := openStore(ctx, *database)
	if err != nil {
		return err
	}
	defer s.Close()
	ws, key, err := s.CreateAPIKey(ctx, *workspace)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, key.Secret)
	fmt.Fprintf(e.stderr, "created an API key for workspace %q (%s)\n", ws.Name, ws.ID)
	return nil
}
