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

// checkURL requires an absolute http or https URL.
func checkURL(p *Problems, field, s string) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s) > maxURL {
		p.Add(field, "must be an absolute http or https URL")
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
