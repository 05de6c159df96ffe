package feedwire_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
)

func TestCheckSecret(t *testing.T) {
	const generated = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // 24 bytes
	tests := []struct {
		name   string
		format feedwire.Format
		secret string
		want   string // part of the error; "" for none
	}{
		{"featurebase generated", feedwire.FormatFeaturebase, generated, ""},
		{"featurebase none", feedwire.FormatFeaturebase, "", "always has a secret"},
		{"featurebase text", feedwire.FormatFeaturebase, "my shared token 42", "must start with whsec_"},
		{"featurebase short whsec_", feedwire.FormatFeaturebase, "whsec_dGV4dA==", "24 to 64"},
		{"harvestr generated", feedwire.FormatHarvestr, generated, ""},
		{"harvestr none", feedwire.FormatHarvestr, "", ""},
		{"harvestr text", feedwire.FormatHarvestr, "my shared token 42", ""},
		{"harvestr short whsec_", feedwire.FormatHarvestr, "whsec_dGV4dA==", ""},
		{"harvestr unicode", feedwire.FormatHarvestr, "ünïcødé ✓", ""},
		{"harvestr 256 bytes", feedwire.FormatHarvestr, strings.Repeat("k", 256), ""},
		{"harvestr 257 bytes", feedwire.FormatHarvestr, strings.Repeat("k", 257), "at most 256 bytes"},
		{"harvestr line break", feedwire.FormatHarvestr, "two\nlines", "control characters"},
		{"harvestr tab", feedwire.FormatHarvestr, "a\tb", "control characters"},
		{"harvestr C1 control", feedwire.FormatHarvestr, "a\u0085b", "control characters"},
		{"harvestr not UTF-8", feedwire.FormatHarvestr, "a\xffb", "UTF-8"},
	}
	for _, tc := range tests {
		err := feedwire.CheckSecret(tc.format, tc.secret)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: got %v, want no error", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: got %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}

func TestRotateSecret(t *testing.T) {
	now := time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)
	const old = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	tests := []struct {
		name         string
		format       feedwire.Format
		from, to     string
		grace        time.Duration
		wantPrevious string // "" for no previous secret
		wantField    string // the field of the problem; "" for none
	}{
		{"to a text with grace", feedwire.FormatHarvestr, old, "token", time.Hour, old, ""},
		{"to none at once", feedwire.FormatHarvestr, old, "", 0, "", ""},
		{"to none with grace", feedwire.FormatHarvestr, old, "", time.Hour, old, ""},
		{"from none with grace", feedwire.FormatHarvestr, "", "token", time.Hour, "", ""},
		{"harvestr to a line break", feedwire.FormatHarvestr, old, "a\nb", 0, "", "secret"},
		{"featurebase to none", feedwire.FormatFeaturebase, old, "", 0, "", "secret"},
		{"grace too long", feedwire.FormatHarvestr, old, "token", 8 * 24 * time.Hour, "", "gracePeriod"},
	}
	for _, tc := range tests {
		w := feedwire.Webhook{Format: tc.format, Secret: tc.from}
		err := w.RotateSecret(tc.to, tc.grace, now)
		if tc.wantField != "" {
			var fe *feedwire.Error
			if !errors.As(err, &fe) || len(fe.Problems) != 1 || fe.Problems[0].Field != tc.wantField {
				t.Errorf("%s: got %v, want a problem with %s", tc.name, err, tc.wantField)
			}
			if w.Secret != tc.from {
				t.Errorf("%s: a refused rotation changed the secret to %q", tc.name, w.Secret)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want := []string{tc.to}
		if tc.wantPrevious != "" {
			want = append(want, tc.wantPrevious)
		}
		if got := w.Secrets(now); !slices.Equal(got, want) {
			t.Errorf("%s: Secrets %q, want %q", tc.name, got, want)
		}
		if tc.wantPrevious == "" && (w.PreviousSecret != nil || w.PreviousSecretExpiresAt != nil) {
			t.Errorf("%s: previous secret %v until %v, want none", tc.name, w.PreviousSecret, w.PreviousSecretExpiresAt)
		}
		if len(w.Secrets(now.Add(tc.grace))) != 1 {
			t.Errorf("%s: the previous secret still signs when the grace period is over", tc.name)
		}
	}
}
