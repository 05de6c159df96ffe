package feedwire

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// WebhookStatus says whether a webhook receives deliveries.
type WebhookStatus string

// The webhook statuses. Only feedwire suspends a webhook; people pause and reactivate.
const (
	WebhookActive    WebhookStatus = "active"
	WebhookPaused    WebhookStatus = "paused"
	WebhookSuspended WebhookStatus = "suspended"
)

// DefaultRetrySchedule is how long feedwire waits after each failed attempt before the
// next one: ten attempts over about three and a half days. Delays from this default
// schedule get ±10% jitter, so that an endpoint that comes back is not hit by every
// waiting delivery at once; a schedule a webhook sets is kept to exactly.
var DefaultRetrySchedule = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour,
	10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 24 * time.Hour,
}

// Limits of a webhook's configuration.
const (
	DefaultWebhookTimeout = 5 * time.Second
	MinWebhookTimeout     = time.Second
	MaxWebhookTimeout     = 30 * time.Second
	MaxWebhookHeaders     = 10
	MaxRetryDelay         = 7 * 24 * time.Hour
	MaxRetryScheduleLen   = 20
	MaxSecretGracePeriod  = 7 * 24 * time.Hour
	MaxSecretTokenLen     = 256 // bytes, of a harvestr webhook's own secret token
	// DefaultMaxWebhooksPerWorkspace is how many webhooks one workspace may have unless
	// the server says otherwise (FEEDWIRE_MAX_WEBHOOKS): each is one more POST for
	// every matching write, so the number bounds what one write can cost.
	DefaultMaxWebhooksPerWorkspace = 100
)

// Webhook is an endpoint that receives the events of some types, in one wire format.
type Webhook struct {
	ID          string
	WorkspaceID string
	Name        string
	URL         string
	Description *string
	Format      Format
	Topics      []EventType
	Status      WebhookStatus
	// StatusReason says why feedwire suspended the webhook.
	StatusReason *string
	// Secret signs the deliveries; CheckSecret says what it may be. The vendor signatures
	// use the whole string as their key. It is "" when a harvestr webhook has no secret:
	// its deliveries then go unsigned, and only its challenge is signed, with the empty key.
	Secret string
	// PreviousSecret, until PreviousSecretExpiresAt, also signs the Standard Webhooks
	// signature, so receivers can move to a rotated secret without failing deliveries.
	// It is never "": a webhook that had no secret has no previous one.
	PreviousSecret          *string
	PreviousSecretExpiresAt *time.Time
	Timeout                 time.Duration
	Headers                 map[string]string
	// RetrySchedule overrides DefaultRetrySchedule when not nil.
	RetrySchedule []time.Duration
	// RateLimit, when set, bounds how fast the webhook receives deliveries.
	RateLimit *RateLimit
	// Ordering says whether its deliveries arrive in the order of their events.
	Ordering   Ordering
	LastStatus *WebhookLastStatus
	Health     WebhookHealth
	CreatedAt  time.Time
	UpdatedAt  time.Time

	// Filter, when not nil, is the JSON text of a filter over each event's payload
	// (package filter): only the events it matches are delivered. See controls.go.
	Filter json.RawMessage
	// Template renders the bodies of a webhook of FormatTemplate; nil for any other.
	Template *WebhookTemplate
}

// RateLimit bounds how fast a webhook receives deliveries, its retries and tests
// included: at most PerSecond + Burst - 1 in any one second (PerSecond, with the
// default Burst of 1). Deliveries over the limit wait in the queue; none is dropped.
// They are spaced RateLimitMargin wider than 1s/PerSecond, so that a receiver whose
// requests arrive with some jitter still never counts more than the limit in a second.
// Nodes side by side share the limit through the slots their claims take (see
// store.paceDue); one that sends behind its slots may add a few in a second.
type RateLimit struct {
	PerSecond int
	// Burst is how many deliveries may go at once after a quiet spell; at least 1.
	Burst int
}

// Limits of a rate limit, and the margin of its spacing.
const (
	MaxRateLimitPerSecond = 10_000
	MaxRateLimitBurst     = 1_000
	RateLimitMargin       = 0.02
)

// Interval is the time between two deliveries at the limit's steady rate.
func (r RateLimit) Interval() time.Duration {
	return time.Duration(float64(time.Second) * (1 + RateLimitMargin) / float64(r.PerSecond))
}

func checkRateLimit(p *Problems, r *RateLimit) {
	if r == nil {
		return
	}
	if r.PerSecond < 1 || r.PerSecond > MaxRateLimitPerSecond {
		p.Add("rateLimit.perSecond", fmt.Sprintf("must be from 1 to %d", MaxRateLimitPerSecond))
	}
	if r.Burst < 1 || r.Burst > MaxRateLimitBurst {
		p.Add("rateLimit.burst", fmt.Sprintf("must be from 1 to %d", MaxRateLimitBurst))
	}
}

// withDefaultBurst returns r with a Burst of 1 when it has none.
func withDefaultBurst(r *RateLimit) *RateLimit {
	if r == nil {
		return nil
	}
	out := *r
	if out.Burst == 0 {
		out.Burst = 1
	}
	return &out
}

// WebhookLastStatus is the outcome of the webhook's latest attempt.
type WebhookLastStatus struct {
	Code    int // the HTTP status, 0 when there was no response
	Message string
	At      time.Time
}

// WebhookHealth summarises how the webhook's endpoint has been answering.
type WebhookHealth struct {
	LastResponseTime       time.Duration
	AvgResponseTime        time.Duration
	LastSuccessAt          *time.Time
	ErrorsSinceLastSuccess int
	ConsecutiveFailures    int
	// FailingSince is the first failure since the last success; a webhook that fails
	// for long enough from then is suspended.
	FailingSince *time.Time
}

// Schedule returns the delays between the webhook's attempts.
func (w *Webhook) Schedule() []time.Duration {
	if w.RetrySchedule != nil {
		return w.RetrySchedule
	}
	return DefaultRetrySchedule
}

// Secrets returns the secrets that sign a delivery at time now: the current one ("" when
// the webhook has none), then the previous one while its grace period lasts.
func (w *Webhook) Secrets(now time.Time) []string {
	secrets := []string{w.Secret}
	if w.PreviousSecret != nil && w.PreviousSecretExpiresAt != nil && now.Before(*w.PreviousSecretExpiresAt) {
		secrets = append(secrets, *w.PreviousSecret)
	}
	return secrets
}

// WebhookInput is what creating a webhook takes.
type WebhookInput struct {
	Name          string
	URL           string
	Description   *string
	Format        Format
	Topics        []EventType
	Secret        *string // generated when nil; "" for none, in a harvestr webhook
	Timeout       time.Duration
	Headers       map[string]string
	RetrySchedule []time.Duration
	RateLimit     *RateLimit // a Burst of 0 is 1
	Ordering      Ordering   // unordered when empty
	Filter        json.RawMessage
	Template      *WebhookTemplate
}

// Webhook returns the webhook the input describes, active and not yet stored. Its
// secret is the input's or, when there is none, newSecret's.
func (in WebhookInput) Webhook(newSecret func() string) Webhook {
	w := Webhook{
		Name: in.Name, URL: in.URL, Description: in.Description, Format: in.Format,
		Topics: in.Topics, Status: WebhookActive, Timeout: in.Timeout, Headers: in.Headers,
		RetrySchedule: in.RetrySchedule, RateLimit: withDefaultBurst(in.RateLimit), Filter: in.Filter,
		Template: in.Template, Ordering: OrderingOrDefault(in.Ordering),
	}
	if in.Secret != nil {
		w.Secret = *in.Secret
	} else {
		w.Secret = newSecret()
	}
	if w.Timeout == 0 {
		w.Timeout = DefaultWebhookTimeout
	}
	if w.Headers == nil {
		w.Headers = map[string]string{}
	}
	return w
}

// WebhookPatch is a partial update of a webhook. Status may be set to active (which
// also resets the webhook's health) or paused.
type WebhookPatch struct {
	Name          Field[string]
	URL           Field[string]
	Description   Field[string]
	Topics        Field[[]EventType]
	Status        Field[WebhookStatus]
	Timeout       Field[time.Duration]
	Headers       Field[map[string]string]
	RetrySchedule Field[[]time.Duration]
	RateLimit     Field[RateLimit]       // null removes the limit; a Burst of 0 is 1
	Ordering      Field[Ordering]        // null restores unordered
	Filter        Field[json.RawMessage] // null removes the filter
	Template      Field[WebhookTemplate] // a template webhook's only; null is refused
}

// Apply applies the patch to w and validates the result.
func (p WebhookPatch) Apply(w *Webhook) error {
	var problems Problems
	before := w.Status
	applyRequired(p.Name, &w.Name, "name", &problems)
	applyRequired(p.URL, &w.URL, "url", &problems)
	applyOptional(p.Description, &w.Description)
	applyRequired(p.Topics, &w.Topics, "topics", &problems)
	applyRequired(p.Status, &w.Status, "status", &problems)
	applyOrDefault(p.Timeout, &w.Timeout, DefaultWebhookTimeout)
	applyOrDefault(p.Headers, &w.Headers, map[string]string{})
	applyOrDefault(p.RetrySchedule, &w.RetrySchedule, nil) // nil is DefaultRetrySchedule
	if p.RateLimit.Set {
		applyOptional(p.RateLimit, &w.RateLimit)
		w.RateLimit = withDefaultBurst(w.RateLimit)
	}
	applyOrDefault(p.Ordering, &w.Ordering, OrderingUnordered)
	p.applyControls(w)
	if p.Status.Set && !p.Status.Null {
		switch {
		case w.Status == WebhookSuspended && before != WebhookSuspended:
			problems.Add("status", "only feedwire suspends a webhook; set active or paused")
		case w.Status == WebhookActive && before != WebhookActive:
			// Reactivating starts the endpoint's record afresh.
			w.Health, w.StatusReason = WebhookHealth{}, nil
		}
	}
	if err := problems.Err(); err != nil {
		return err
	}
	return w.Validate()
}

// Validate reports every field of w that is not valid.
func (w *Webhook) Validate() error {
	var p Problems
	checkText(&p, "name", w.Name, 100)
	checkURL(&p, "url", w.URL)
	checkOptionalText(&p, "description", w.Description, 500)
	catalog := EventTypesOf(w.Format)
	if catalog == nil {
		p.Add("format", "must be harvestr, featurebase, slack, discord, teams, template or operational")
	}
	checkTopics(&p, w.Topics, catalog, w.Format)
	if !slices.Contains([]WebhookStatus{WebhookActive, WebhookPaused, WebhookSuspended}, w.Status) {
		p.Add("status", "must be active or paused")
	}
	if err := CheckSecret(w.Format, w.Secret); err != nil {
		p.Add("secret", err.Error())
	}
	if w.Timeout < MinWebhookTimeout || w.Timeout > MaxWebhookTimeout {
		p.Add("requestConfig.timeoutMs", fmt.Sprintf("must be from %d to %d", MinWebhookTimeout.Milliseconds(), MaxWebhookTimeout.Milliseconds()))
	}
	checkHeaders(&p, w.Headers)
	checkSchedule(&p, w.RetrySchedule)
	checkRateLimit(&p, w.RateLimit)
	checkOrdering(&p, w.Ordering)
	w.checkControls(&p)
	return p.Err()
}

func checkTopics(p *Problems, topics []EventType, catalog []EventType, f Format) {
	if len(topics) == 0 {
		p.Add("topics", "must name at least one event type")
		return
	}
	for i, t := range topics {
		switch {
		case catalog != nil && !slices.Contains(catalog, t):
			p.Add(fmt.Sprintf("topics[%d]", i), fmt.Sprintf("%q is not an event type of format %s; GET /v1/event-types lists them", t, f))
		case slices.Contains(topics[:i], t):
			p.Add(fmt.Sprintf("topics[%d]", i), fmt.Sprintf("%q is listed twice", t))
		}
	}
}

// reservedHeaders are the request headers a webhook's custom headers may not set:
// feedwire's own signature and content headers, and those net/http manages.
var reservedHeaders = []string{
	"Content-Type", "Content-Length", "Content-Encoding", "Transfer-Encoding", "Host", "Connection",
	"User-Agent", "X-Harvestr-Webhook-Id", "X-Harvestr-Webhook-Signature", "X-Harvestr-Signature",
	"X-Webhook-Signature", "X-Webhook-Timestamp", "Webhook-Id", "Webhook-Timestamp", "Webhook-Signature",
}

func checkHeaders(p *Problems, headers map[string]string) {
	if len(headers) > MaxWebhookHeaders {
		p.Add("requestConfig.headers", fmt.Sprintf("must hold at most %d headers", MaxWebhookHeaders))
	}
	for name, value := range headers {
		field := "requestConfig.headers." + name
		switch {
		case !validHeaderName(name):
			p.Add(field, "is not a valid header name")
		case slices.Contains(reservedHeaders, http.CanonicalHeaderKey(name)):
			p.Add(field, "is set by feedwire and cannot be overridden")
		case strings.ContainsAny(value, "\r\n\x00") || len(value) > 4096:
			p.Add(field, "must be one line of at most 4096 bytes")
		}
	}
}

// validHeaderName reports whether name is an HTTP token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r > 127 || !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)) {
			return false
		}
	}
	return true
}

func checkSchedule(p *Problems, schedule []time.Duration) {
	if schedule == nil {
		return
	}
	if len(schedule) > MaxRetryScheduleLen {
		p.Add("retrySchedule", fmt.Sprintf("must hold at most %d delays", MaxRetryScheduleLen))
	}
	for i, d := range schedule {
		if d < time.Second || d > MaxRetryDelay {
			p.Add(fmt.Sprintf("retrySchedule[%d]", i), "must be from 1s to 168h")
		}
	}
}

// SecretPrefix starts every webhook secret that feedwire generates.
const SecretPrefix = "whsec_"

// CheckSecret reports whether s may be the secret of a webhook of format f.
//
// A featurebase webhook always has a secret as Standard Webhooks defines one: "whsec_"
// and the base64 of 24 to 64 bytes. A harvestr webhook, as in Harvestr, may have none
// (""), or a secret token of the user's own choosing: the text its receiver already
// has configured, 1 to 256 bytes of UTF-8 without control characters. A "whsec_" secret
// is such a text too.
func CheckSecret(f Format, s string) error {
	if f == FormatHarvestr {
		return checkSecretToken(s)
	}
	if s == "" {
		return fmt.Errorf("a %s webhook always has a secret: leave it out to have one generated", f)
	}
	key, ok := strings.CutPrefix(s, SecretPrefix)
	if !ok {
		return fmt.Errorf("must start with %s", SecretPrefix)
	}
	b, err := base64.StdEncoding.DecodeString(key)
	if err != nil || len(b) < 24 || len(b) > 64 {
		return fmt.Errorf("must be %s and the base64 of 24 to 64 random bytes", SecretPrefix)
	}
	return nil
}

// checkSecretToken reports whether s may be the secret of a harvestr webhook: none, or
// one line of text that a receiver can hold in its configuration.
func checkSecretToken(s string) error {
	switch {
	case len(s) > MaxSecretTokenLen:
		return fmt.Errorf("must be at most %d bytes, or \"\" for no secret", MaxSecretTokenLen)
	case !utf8.ValidString(s):
		return errors.New("must be UTF-8 text")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return errors.New("must not contain control characters such as line breaks or tabs")
	}
	return nil
}

// RotateSecret replaces w's secret with secret at time now. For grace, up to
// MaxSecretGracePeriod, the previous secret keeps signing the Standard Webhooks
// signature; when w had no secret there is no previous one.
func (w *Webhook) RotateSecret(secret string, grace time.Duration, now time.Time) error {
	var p Problems
	if err := CheckSecret(w.Format, secret); err != nil {
		p.Add("secret", err.Error())
	}
	if grace < 0 || grace > MaxSecretGracePeriod {
		p.Add("gracePeriod", "must be from 0s to 168h")
	}
	if err := p.Err(); err != nil {
		return err
	}
	w.PreviousSecret, w.PreviousSecretExpiresAt = nil, nil
	if grace > 0 && w.Secret != "" {
		previous, expires := w.Secret, now.Add(grace)
		w.PreviousSecret, w.PreviousSecretExpiresAt = &previous, &expires
	}
	w.Secret, w.UpdatedAt = secret, now
	return nil
}

// WebhookService manages webhooks.
type WebhookService interface {
	// CreateWebhook registers a webhook. A harvestr webhook's endpoint must first
	// answer the challenge handshake.
	CreateWebhook(ctx context.Context, workspaceID string, in WebhookInput) (*Webhook, error)
	Webhook(ctx context.Context, workspaceID, id string) (*Webhook, error)
	Webhooks(ctx context.Context, workspaceID string, p ListParams) (*Page[Webhook], error)
	// UpdateWebhook applies a patch; a harvestr webhook's new URL must first answer the
	// challenge handshake.
	UpdateWebhook(ctx context.Context, workspaceID, id string, p WebhookPatch) (*Webhook, error)
	// DeleteWebhook removes a webhook with its deliveries.
	DeleteWebhook(ctx context.Context, workspaceID, id string) error
	// RotateWebhookSecret replaces the secret; the old one keeps signing the Standard
	// Webhooks signature for grace. newSecret is generated when nil; CheckSecret says
	// what it may be.
	RotateWebhookSecret(ctx context.Context, workspaceID, id string, grace time.Duration, newSecret *string) (*Webhook, error)
	// TestWebhook queues a delivery of an example event of that type (the webhook's
	// first topic when empty) to the webhook, whatever its status, and returns it.
	TestWebhook(ctx context.Context, workspaceID, id string, eventType EventType) (*Delivery, error)
}
