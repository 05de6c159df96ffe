// Command feedwire runs the feedwire product-feedback hub and talks to it.
//
//	feedwire serve              run the API on an embedded SQLite database
//	feedwire migrate            apply database migrations
//	feedwire keys create        print a new API key
//	feedwire webhooks …         manage webhooks (and deliveries, events, replay, recover)
//	feedwire listen             stream this workspace's events here, signed, and print or forward them
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
	"regexp"
	"strings"
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
		{"version", "print the version and the commit feedwire was built from", runVersion},
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
	switch name {
	case "help", "-h", "--help":
		printUsage(stdout)
		return nil
	case "--version", "-version":
		fmt.Fprintln(stdout, version())
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

// flagSet is a command's flags. A flag whose usage ends with "(env NAME)" takes the
// value of that environment variable when the command line does not set it, parsed
// as strictly as the flag; so --help shows each flag's own default, never a value
// from the environment (an API key, a database password).
type flagSet struct {
	*flag.FlagSet
	e                 env
	summary, examples string
}

// newFlagSet returns a command's flag set; --help prints its usage, with summary and
// examples, on stdout.
func newFlagSet(e env, name, summary, examples string) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), e: e, summary: summary, examples: examples}
	// The flag package's own messages are left out: a parse error is returned, and
	// printed once, by main; help is printed by parse.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// printHelp prints the usage, every flag as --name, with its default when it has one.
func (fs *flagSet) printHelp(w io.Writer) {
	fmt.Fprintf(w, "Usage: feedwire %s [flags]\n\n%s\n\nFlags:\n", fs.Name(), fs.summary)
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s", f.Name)
		if kind != "" {
			fmt.Fprintf(w, " %s", kind)
		}
		fmt.Fprintf(w, "\n      %s", strings.ReplaceAll(usage, "\n", "\n      "))
		switch f.DefValue {
		case "", "0", "false", "0s":
		default:
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
	if fs.examples != "" {
		fmt.Fprintf(w, "\nExamples:\n%s\n", fs.examples)
	}
}

// parse parses args, printing the usage on stdout for --help.
func (fs *flagSet) parse(args []string) error {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.printHelp(fs.e.stdout)
		return err
	case err != nil:
		return usageError(fmt.Sprintf("%s: %v", fs.Name(), err))
	}
	return nil
}

// applyEnv sets each flag the command line left unset from the environment variable
// its usage names, through the flag's own parser.
func (fs *flagSet) applyEnv() error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		m := envVariable.FindStringSubmatch(f.Usage)
		if err != nil || m == nil || set[f.Name] {
			return
		}
		if value := fs.e.getenv(m[1]); value != "" {
			if setErr := fs.Set(f.Name, value); setErr != nil {
				err = usageError(fmt.Sprintf("%s: %s=%q is not a valid --%s: %v", fs.Name(), m[1], value, f.Name, setErr))
			}
		}
	})
	return err
}

// envVariable finds the environment variable a flag's usage names.
var envVariable = regexp.MustCompile(`\(env (FEEDWIRE_[A-Z0-9_]+)\)`)

// parseFlags parses args and refuses leftover arguments.
func parseFlags(fs *flagSet, args []string) error {
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0)))
	}
	return fs.applyEnv()
}

// defaultDatabase is where feedwire keeps everything when told nothing: one SQLite file
// in the working directory.
const defaultDatabase = "sqlite:feedwire.db"

func databaseFlag(fs *flagSet) *string {
	return fs.String("database", defaultDatabase, "database to use, sqlite:PATH or postgres://USER@HOST/DB (env FEEDWIRE_DATABASE)")
}
