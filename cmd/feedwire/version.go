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

// build is what the Go toolchain recorded in this binary: the module's version
// ("(devel)" when built from a checkout), and the VCS revision, its time and whether
// the tree had uncommitted changes (empty when built without VCS information).
type build struct {
	Version, Revision, Time string
	Modified                bool
	GoVersion               string
}

func readBuild() build {
	b := build{Version: "(unknown)", GoVersion: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.Version, b.GoVersion = info.Main.Version, info.GoVersion
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// version describes this binary in one line.
func version() string {
	b := readBuild()
	v := "feedwire " + b.Version
	if b.Revision != "" {
		v += " commit " + b.Revision
		if b.Time != "" {
			v += " (" + b.Time + ")"
		}
		if b.Modified {
			v += " with uncommitted changes"
		}
	}
	return fmt.Sprintf("%s %s %s/%s", v, b.GoVersion, runtime.GOOS, runtime.GOARCH)
}
