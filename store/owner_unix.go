//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ownerLock is the lock a serve process holds on its SQLite database, so that a second
// one on the same file refuses to start rather than take back the first one's leases
// and deliver its deliveries again. It is an flock on PATH.lock: the kernel releases it
// when the process ends, however it ends, so a killed server leaves no stale lock.
type ownerLock struct{ file *os.File }

// lockOwner takes the owner lock of the database at path, or says who holds it.
func lockOwner(path string) (*ownerLock, error) {
	name := path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := ""
		if b, readErr := os.ReadFile(name); readErr == nil && len(b) > 0 {
			holder = " (pid " + strings.TrimSpace(string(b)) + ")"
		}
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another feedwire serve%s already runs on this database: "+
				"one serve process owns a SQLite database; stop the other one first", holder)
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	// The pid is only for the message above; the lock is the flock.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &ownerLock{file: f}, nil
}

// release gives the lock up; the file stays, for the next owner.
func (l *ownerLock) release() error {
	if l == nil {
		return nil
	}
	return l.file.Close() // closing the only descriptor releases the flock
}
