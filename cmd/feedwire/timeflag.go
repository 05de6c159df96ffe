package main

import (
	"errors"
	"time"
)

// timeFlag is a flag for a point in time, given as how far back from now (1h, 90m) or
// as an RFC 3339 time (2026-12-01T09:00:00Z), as `gh` and the Stripe CLI take them.
// Its zero value is unset.
type timeFlag struct{ t time.Time }

func (f *timeFlag) String() string {
	if f.t.IsZero() {
		return ""
	}
	return f.t.Format(time.RFC3339)
}

func (f *timeFlag) Set(s string) error {
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return errors.New("a duration back from now must be positive, such as 1h")
		}
		f.t = time.Now().Add(-d)
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return errors.New("want a duration back from now, such as 1h, or an RFC 3339 time, such as 2026-12-01T09:00:00Z")
	}
	f.t = t
	return nil
}

// timeVar adds a timeFlag to fs.
func timeVar(fs *flagSet, name, usage string) *timeFlag {
	f := &timeFlag{}
	fs.Var(f, name, usage)
	return f
}
