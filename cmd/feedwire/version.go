package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

func runVersion(_ context.Context, e env, args []string) error {
	fs := newFlagSet(e, "version", "Print feedwire's version, the commit it was built from, and the Go that built it.", "  feedwire version\n  feedwire --version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, version())
	return nil
}

// version describes this binary from what the Go toolchain recorded in it: the module's
// version ("(devel)" when built from a checkout), the VCS revision and its time, and
// whether the tree had uncommitted changes.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "feedwire (unknown version) " + runtime.Version()
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	v := "feedwire " + info.Main.Version
	if rev := settings["vcs.revision"]; rev != "" {
		v += " commit " + rev
		if t := settings["vcs.time"]; t != "" {
			v += " (" + t + ")"
		}
		if settings["vcs.modified"] == "true" {
			v += " with uncommitted changes"
		}
	}
	return fmt.Sprintf("%s %s %s/%s", v, info.GoVersion, runtime.GOOS, runtime.GOARCH)
}
