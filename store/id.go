package store

import (
	"crypto/rand"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

const base36 = "0123456789abcdefghijklmnopqrstuvwxyz"

// newID returns a resource id shaped like seed 000's (24 lower-case characters starting
// with "c", such as "clx1a2b3c4d5e6f7g8h9i0j1"): "c", the creation time in
// milliseconds as 8 base-36 digits, then 15 random base-36 characters. Ids therefore
// sort by creation time, which is what lists page by. (Databases from before kept
// 25-character ids with 16 random characters; they sort with these all the same.)
func newID(now time.Time) string {
	ms := strconv.FormatInt(now.UnixMilli(), 36)
	return "c" + strings.Repeat("0", 8-len(ms)) + ms + randomBase36(15)
}

// newClientID returns a short external id: prefix ("msg_", "fb_", …) and 16 random
// base-36 characters, as the harvestr format writes clientId.
func newClientID(prefix string) string {
	return prefix + randomBase36(16)
}

func randomBase36(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never returns an error
	for i := range b {
		// 256 % 36 = 4, so the first four digits are a hair likelier than the rest;
		// with 15 or 16 characters that costs well under one bit of the id's 77 or 82.
		b[i] = base36[int(b[i])%36]
	}
	return string(b)
}

// newEventID returns a UUIDv7: random enough to be unique, and sorted by time.
func newEventID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", err
	}
	return id.String(), nil
}
