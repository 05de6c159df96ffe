package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/feedwire/feedwire/client"
)

// remote is what a client command needs: a client of the server and the output format.
type remote struct {
	client *client.Client
	json   bool
	stdout io.Writer
}

// remoteFlags adds --server, --api-key and --output to a command's flags; the returned
// function, called after parsing, builds the remote.
func remoteFlags(fs *flagSet, e env) func() (*remote, error) {
	url := fs.String("server", "http://127.0.0.1:8080", "the feedwire server's URL (env FEEDWIRE_URL)")
	key := fs.String("api-key", "", "the API key, from feedwire keys create (env FEEDWIRE_API_KEY)")
	output := fs.String("output", "table", "table or json")
	return func() (*remote, error) {
		if *key == "" {
			return nil, usageError("no API key: set FEEDWIRE_API_KEY or pass --api-key (feedwire keys create makes one)")
		}
		if *output != "table" && *output != "json" {
			return nil, usageError("--output must be table or json")
		}
		return &remote{client: client.New(*url, *key), json: *output == "json", stdout: e.stdout}, nil
	}
}

// parseRemote parses a client command's arguments and connects: it returns the remote
// and the positional arguments, of which there must be want.
func parseRemote(fs *flagSet, connect func() (*remote, error), args []string, want int, names string) (*remote, []string, error) {
	positional, err := parseArgs(fs, args, want, names)
	if err != nil {
		return nil, nil, err
	}
	r, err := connect()
	return r, positional, err
}

// parseArgs parses flags that may come before, between or after the positional
// arguments, and returns the positional ones; want is how many there must be.
func parseArgs(fs *flagSet, args []string, want int, names string) ([]string, error) {
	var positional []string
	for {
		if err := fs.parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(positional) != want {
		return nil, usageError(fmt.Sprintf("%s: want %s", fs.Name(), names))
	}
	return positional, fs.applyEnv()
}

// show prints v as indented JSON.
func (r *remote) show(v any) error {
	out := json.NewEncoder(r.stdout)
	out.SetIndent("", "  ")
	out.SetEscapeHTML(false)
	return out.Encode(v)
}

// table prints rows under a header, or v as JSON with --output json.
func (r *remote) table(v any, header []string, rows [][]string) error {
	if r.json {
		return r.show(v)
	}
	tw := tabwriter.NewWriter(r.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// subcommand runs the subcommand args[0] of a command from its table.
func subcommand(e env, name string, subs map[string]func([]string) error, usage string, args []string) error {
	if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintf(e.stdout, "Usage: feedwire %s %s [flags]\n\nRun feedwire %s <subcommand> --help for its flags.\n", name, usage, name)
		return nil
	}
	if len(args) == 0 {
		return usageError(fmt.Sprintf("%s: want a subcommand: %s", name, usage))
	}
	run, ok := subs[args[0]]
	if !ok {
		return usageError(fmt.Sprintf("%s: unknown subcommand %q; want %s", name, args[0], usage))
	}
	return run(args[1:])
}

// orDash shows an absent value as "-".
func orDash(s *string) string {
	if s == nil || *s == "" {
		return "-"
	}
	return *s
}
