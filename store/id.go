package store

import (
	"crypto/rand"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

const base36 = "0123456789abcdefghijklmnopqrstuvwxyz"

// newID returns a resource id shaped like seed 000's (24 lower-case characters starting
// with "c", such as "clx1a2b3c4d5e6f7g8h9i0j1"): "c", the creation time in
// milliseconds as 8 base-36 digits, a 3-digit sequence, then 12 random base-36
// characters. Ids therefore sort by creation time, which is what lists page by, and
// two made by this process in one millisecond sort in the order they were made.
// (Databases from before kept 25-character ids with 16 random characters; they sort
// with these all the same.)
func newID(now time.Time) string {
	ms, seq := idSequence.next(now.UnixMilli())
	return "c" + base36Digits(ms, 8) + base36Digits(seq, 3) + randomBase36(12)
}

// idSequence numbers the ids made in one millisecond.
var idSequence sequence

// maxIDSequence is how many ids one millisecond numbers: 3 base-36 digits.
const maxIDSequence = 36 * 36 * 36

type sequence struct {
	mu       sync.Mutex
	ms, last int64
}

// next returns the millisecond and number of the next id made at ms. A clock that
// steps back goes on numbering the last millisecond, and one that runs out of numbers
// borrows the next, so that ids keep their order.
func (s *sequence) next(ms int64) (int64, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case ms > s.ms:
		s.ms, s.last = ms, 0
	case s.last+1 < maxIDSequence:
		s.last++
	default:
		s.ms, s.last = s.ms+1, 0
	}
	return s.ms, s.last
}

// base36Digits writes n in base 36, padded with zeros to width digits.
func base36Digits(n int64, width int) string {
	digits := strconv.FormatInt(n, 36)
	return strings.Repeat("0", width-len(digits)) + digits
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
