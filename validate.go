package feedwire

import (
	"fmt"
	"math"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Length limits, in characters. They keep one resource well below the API's body limit.
const (
	maxTitle   = 500
	maxContent = 100_000
	maxURL     = 2048
)

// MaxTextLength is the most characters any one text field takes (a content or a
// bodyMarkdown). The API refuses a longer JSON string anywhere in a request, before
// decoding it, so no field and no custom field can hold more.
const MaxTextLength = maxContent

// MaxEventSize is the most bytes the delivered body of one event may have: data,
// changes and envelope, as a receiver reads them. A write whose event would be larger
// is refused with ErrTooLarge and changes nothing. It stays well under the 1 MiB that
// the receiver SDK (webhook.Handler) reads, so that an event feedwire accepts is never
// one its receivers refuse, retried for days. An update event carries a text three
// times (the item, the old value and the new one): 512 KiB lets a 100,000-character
// content be replaced by another.
const MaxEventSize = 512 << 10

// MaxFilterValues is the most values a list filter takes, such as the event types of
// GET /v1/events?type=, once duplicates are removed.
const MaxFilterValues = 100

// maxCustomFieldsSize is the most bytes a post's customFields take as JSON: they ride
// along in every event of the post, twice in an update.
const maxCustomFieldsSize = 16 << 10

// checkText requires a non-blank string of at most max characters.
func checkText(p *Problems, field, s string, max int) {
	switch {
	case strings.TrimSpace(s) == "":
		p.Add(field, "is required")
	case utf8.RuneCountInString(s) > max:
		p.Add(field, fmt.Sprintf("must be at most %d characters", max))
	}
}

// checkOptionalText checks a nullable string: null is fine, a value must be at most max
// characters.
func checkOptionalText(p *Problems, field string, s *string, max int) {
	if s != nil && utf8.RuneCountInString(*s) > max {
		p.Add(field, fmt.Sprintf("must be at most %d characters", max))
	}
}

// checkURL requires an absolute http or https URL of at most maxURL bytes, without
// credentials (they would be sent to the host and shown wherever the URL is) and without
// spaces or control characters (a CR or LF could split the request line it goes into).
func checkURL(p *Problems, field, s string) {
	if strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		p.Add(field, "must not contain spaces or control characters")
		return
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s) > maxURL:
		p.Add(field, fmt.Sprintf("must be an absolute http or https URL of at most %d characters", maxURL))
	case u.User != nil:
		p.Add(field, "must not contain a user name or password; send credentials in a header")
	}
}

// checkID requires a non-empty reference. Whether it names something is the store's
// to check, inside the transaction that uses it.
func checkID(p *Problems, field, id string) {
	if strings.TrimSpace(id) == "" {
		p.Add(field, "is required")
	}
}

// checkScore requires a finite number that is not negative.
func checkScore(p *Problems, field string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		p.Add(field, "must be a number of 0 or more")
	}
}
