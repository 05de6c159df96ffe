// Command feedwire runs the feedwire product-feedback hub and talks to it.
//
//	feedwire serve              run the API on an embedded SQLite database
//	feedwire migrate            apply database migrations
//	feedwire keys create        print a new API key
//	feedwire webhooks …         manage webhooks (and deliveries, events, replay, recover)
//	feedwire listen             receive and print this workspace's webhooks
//	feedwire trigger TYPE       fire an event type with example resources
//	feedwire bench              measure delivery against this machine's HTTP ceiling
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "feedwire:", err)
	}
	os.Exit(exitCode(err))
}

// exitCode is 0 for success and for --help, 2 for a command line that could not be
// understood, 1 for anything else.
func exitCode(err error) int {
	var usage usageError
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usage):
		return 2
	}
	return 1
}

// usageError is a command line that could not be understood.
type usageError string

func (e usageError) Error() string { return string(e) + " (run feedwire help for usage)" }

// env is what a command gets from the process: environment and output.
type env struct {
	getenv         func(string) string
	stdout, stderr io.Writer
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the API, on embedded SQLite unless --database says otherwise", runServe},
		{"migrate", "apply database migrations and exit", runMigrate},
		{"keys", "manage API keys: create, list, revoke, rotate", runKeys},
		{"webhooks", "list, create, show, update or delete webhooks", runWebhooks},
		{"deliveries", "list, show or retry deliveries", runDeliveries},
		{"events", "list or show the event log, or the event types", runEvents},
		{"replay", "send every event of a time range to a webhook again", runReplay},
		{"recover", "retry a webhook's failed deliveries and send what it missed", runRecover},
		{"listen", "receive this workspace's webhooks here and print them, verified", runListen},
		{"trigger", "fire any of the 32 event types with example resources", runTrigger},
		{"completion", "print a shell completion script: completion bash|zsh", runCompletion},
		{"bench", "measure delivery on this machine against its own HTTP ceiling", runBench},
	}
}

// run is the whole program; main only wires it to the process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		printUsage(stderr)
		return usageError("no command given")
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" {
		printUsage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, e, args[1:])
		}
	}
	return usageError(fmt.Sprintf("unknown command %q", name))
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "feedwire is a self-hosted product-feedback hub whose every change is delivered as a signed webhook.")
	fmt.Fprintln(w, "\nUsage: feedwire <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun feedwire <command> --help for a command's flags.")
}

// newFlagSet returns a flag set that prints its usage, with summary and examples, to
// the command's stderr.
func newFlagSet(e env, name, summary, examples string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: feedwire %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		fs.PrintDefaults()
		if examples != "" {
			fmt.Fprintf(e.stderr, "\nExamples:\n%s\n", examples)
		}
	}
	return fs
}

// parseFlags parses args and refuses leftover arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0)))
	}
	return nil
}

// envOr returns the environment variable, or def when it is unset or empty.
func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// defaultDatabase is where feedwire keeps everything when told nothing: one SQLite file
// in the working directory.
const defaultDatabase = "sqlite:feedwire.db"

func databaseFlag(fs *flag.FlagSet, e env) *string {
	return fs.String("database", envOr(e.getenv, "FEEDWIRE_DATABASE", defaultDatabase),
		"database to use, sqlite:PATH or postgres://USER@HOST/DB (env FEEDWIRE_DATABASE)")
}
