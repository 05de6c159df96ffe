package feedwire

import (
	"context"
	"net/http"
	"slices"
	"time"
)

// DeliveryStatus is where a delivery stands.
type DeliveryStatus string

// The delivery statuses.
const (
	DeliveryPending   DeliveryStatus = "pending"   // waiting for its next attempt
	DeliverySucceeded DeliveryStatus = "succeeded" // an attempt got a 2xx
	DeliveryFailed    DeliveryStatus = "failed"    // feedwire gave up
)

// Delivery is one event on its way to one webhook. The deliveries table is also the
// queue: a pending delivery is due at NextAttemptAt.
type Delivery struct {
	// ID is the envelope id the receiver sees, the same on every attempt: a UUID in the
	// harvestr format, notif_ and a UUIDv7 in the featurebase format.
	ID             string
	WorkspaceID    string
	WebhookID      string
	EventID        string
	EventType      EventType
	Status         DeliveryStatus
	Attempts       int
	NextAttemptAt  *time.Time
	LastAttemptAt  *time.Time
	LastStatusCode *int
	// Test marks a delivery of an example event sent by POST /v1/webhooks/{id}/test. It
	// is attempted once, whatever the webhook's status.
	Test bool
	// WaitingFor, for a pending delivery of a FIFO webhook, is the delivery ahead of it
	// that must succeed or fail for good before it goes; nil when none.
	WaitingFor *string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ErrorClass says why an attempt failed before or instead of an HTTP answer, or that
// the answer was not a success.
type ErrorClass string

// The error classes of an attempt.
const (
	ErrorDNS      ErrorClass = "dns"      // the host name did not resolve
	ErrorConnect  ErrorClass = "connect"  // no TCP connection, or it broke
	ErrorTLS      ErrorClass = "tls"      // the TLS handshake failed
	ErrorTimeout  ErrorClass = "timeout"  // no complete answer within the webhook's timeout
	ErrorStatus   ErrorClass = "status"   // an answer that is not 2xx (nor 3xx)
	ErrorRedirect ErrorClass = "redirect" // a 3xx answer: redirects are not followed
	ErrorBlocked  ErrorClass = "blocked"  // the address is private and private networks are not allowed
	ErrorRender   ErrorClass = "render"   // the body could not be built: the webhook's template failed on the event
)

// ErrorClasses lists every error class.
var ErrorClasses = []ErrorClass{ErrorDNS, ErrorConnect, ErrorTLS, ErrorTimeout, ErrorStatus, ErrorRedirect, ErrorBlocked, ErrorRender}

// Outcome is what feedwire made of an attempt.
type Outcome string

// The attempt outcomes.
const (
	OutcomeDelivered Outcome = "delivered" // 2xx: the delivery succeeded
	OutcomeRetry     Outcome = "retry"     // failed; another attempt is scheduled
	OutcomeFailed    Outcome = "failed"    // failed; no attempts are left
	OutcomeSuspended Outcome = "suspended" // failed, and the webhook is suspended
)

// Attempt is one try at a delivery, recorded whatever happened.
type Attempt struct {
	ID              string
	DeliveryID      string
	WebhookID       string
	Number          int // 1 for the first attempt
	StartedAt       time.Time
	Duration        time.Duration
	RequestURL      string
	RequestHeaders  http.Header
	RequestBody     []byte
	ResponseStatus  int // 0 when there was no answer
	ResponseHeaders http.Header
	ResponseBody    []byte // at most MaxRecordedBody bytes of it
	ErrorClass      ErrorClass
	ErrorMessage    string
	Outcome         Outcome
	NextAttemptAt   *time.Time // when Outcome is OutcomeRetry
}

// AttemptSummary is what a chart of a webhook's attempts needs of one: when it ran,
// how long it took and how it ended.
type AttemptSummary struct {
	StartedAt time.Time
	Duration  time.Duration
	Outcome   Outcome
}

// MaxRecordedBody is how much of a response body an attempt keeps.
const MaxRecordedBody = 16 << 10

// DeliveryFilter selects deliveries.
type DeliveryFilter struct {
	ListParams
	WebhookID string         // all webhooks when empty
	Status    DeliveryStatus // all statuses when empty
	EventType EventType      // all event types when empty
	Since     time.Time      // created at or after; no bound when zero
	Until     time.Time      // created before; no bound when zero
}

// DeliveryService reads deliveries and retries them by hand.
type DeliveryService interface {
	Delivery(ctx context.Context, workspaceID, id string) (*Delivery, error)
	Deliveries(ctx context.Context, workspaceID string, f DeliveryFilter) (*Page[Delivery], error)
	// Attempts returns every attempt of a delivery, first first.
	Attempts(ctx context.Context, workspaceID, deliveryID string) ([]Attempt, error)
	// RetryDelivery makes a delivery due now, whatever its status.
	RetryDelivery(ctx context.Context, workspaceID, id string) (*Delivery, error)
}

// Claim is a due delivery that a worker holds under a lease, with what its attempt needs.
type Claim struct {
	Delivery Delivery
	Webhook  *Webhook
	Event    Event
	// Lease identifies the claim; the outcome of an attempt is applied to the delivery
	// only while the claim still holds it.
	Lease string
	// NotBefore, when not zero, is when the delivery may be sent: the slot its
	// webhook's rate limit gave it.
	NotBefore time.Time
}

// AttemptResult is a finished attempt of a claim, its outcome decided.
type AttemptResult struct {
	Claim   *Claim
	Attempt Attempt
}

// RecordAttempt updates the webhook's last status and health with a finished attempt.
// It suspends an active webhook, and reports so, when the endpoint answered 410 Gone or
// has not succeeded for suspendAfter since it started failing; unless the attempt is a
// test's, which is the user's probe of the endpoint, attempted once whatever it gets.
func (w *Webhook) RecordAttempt(a *Attempt, suspendAfter time.Duration, test bool) (suspended bool) {
	end := a.StartedAt.Add(a.Duration)
	w.LastStatus = &WebhookLastStatus{Code: a.ResponseStatus, Message: a.StatusMessage(), At: end}
	h := &w.Health
	h.LastResponseTime = a.Duration.Round(time.Millisecond)
	if h.AvgResponseTime == 0 {
		h.AvgResponseTime = h.LastResponseTime
	} else {
		// An exponentially weighted average: recent answers count most.
		h.AvgResponseTime = (h.AvgResponseTime*4 + h.LastResponseTime) / 5
	}
	if a.Outcome == OutcomeDelivered {
		h.LastSuccessAt, h.FailingSince = &end, nil
		h.ErrorsSinceLastSuccess, h.ConsecutiveFailures = 0, 0
		return false
	}
	h.ErrorsSinceLastSuccess++
	if a.Outcome == OutcomeFailed {
		h.ConsecutiveFailures++ // deliveries given up on in a row
	}
	if h.FailingSince == nil {
		h.FailingSince = &a.StartedAt
	}
	if w.Status != WebhookActive || test {
		return false
	}
	var reason string
	switch {
	case a.ResponseStatus == http.StatusGone:
		reason = "the endpoint answered 410 Gone"
	case suspendAfter > 0 && end.Sub(*h.FailingSince) >= suspendAfter:
		reason = "no delivery has succeeded since " + h.FailingSince.UTC().Format(time.RFC3339)
	default:
		return false
	}
	w.Status, w.StatusReason = WebhookSuspended, &reason
	return true
}

// StatusMessage is the attempt's one-line summary: the HTTP status text, or the error.
func (a *Attempt) StatusMessage() string {
	if a.ErrorMessage != "" {
		return a.ErrorMessage
	}
	return http.StatusText(a.ResponseStatus)
}

// Pruned counts what a retention sweep deleted.
type Pruned struct {
	Attempts, Deliveries, Events, Jobs int
	// Expired counts the deliveries still pending, held or waiting for a retry, that
	// were older than the retention: they are given up and deleted with the rest.
	Expired int
	// IdempotencyKeys counts the answers to Idempotency-Keys forgotten, once older than
	// IdempotencyKeyLifetime.
	IdempotencyKeys int
}

// QueueStats describes the pending deliveries, for operators: how many are due now,
// how many wait for a later time (a retry, or an attempt under way), how many are
// held (their webhook is paused or suspended), and since when the longest-waiting due
// one has been due (zero when none is).
type QueueStats struct {
	Due, Waiting, Held int
	OldestDue          time.Time
}

// ClaimRequest asks the queue for due deliveries to attempt.
type ClaimRequest struct {
	Now   time.Time
	Limit int // at most this many
	// Lease is how long the claims hold their deliveries.
	Lease time.Duration
	// PerWebhook and PerWorkspace bound the attempts of one webhook, and of one
	// workspace, under way at once, those in InFlight included; 0 means no bound.
	PerWebhook, PerWorkspace int
	// InFlight is what the claimer has under way. It is the claimer's count, not the
	// leases in the database: an attempt that has ended frees its worker at once, while
	// its lease lasts until its result is committed, which may take a batch's fsync.
	InFlight InFlight
}

// InFlight counts attempts under way by webhook id and by workspace id.
type InFlight struct {
	ByWebhook, ByWorkspace map[string]int
}

// DueWebhook is a webhook with deliveries due, as a claim sees it.
type DueWebhook struct {
	ID          string
	WorkspaceID string
	Oldest      time.Time // when its longest-waiting due delivery became due
	Due         int       // how many are due, counted up to what it could take
	InFlight    int       // its attempts under way
}

// ShareClaims decides how many due deliveries of each webhook a claim takes: at most
// req.Limit in all, and never more than a webhook's or a workspace's free concurrency
// (req.PerWebhook less the webhook's InFlight, req.PerWorkspace less what
// req.InFlight says of its workspace). The claims are handed out one at a time in
// turns: workspace after workspace and, within each, webhook after webhook, those
// waiting longest first. So a workspace whose endpoints hang, or that has a million
// deliveries due, takes its turn like any other and cannot hold every worker.
func ShareClaims(due []DueWebhook, req ClaimRequest) map[string]int {
	free := func(bound, inFlight int) int {
		if bound <= 0 {
			return req.Limit
		}
		return bound - inFlight
	}
	type turns struct {
		webhooks []DueWebhook
		next     int // whose turn it is
		free     int
	}
	sorted := slices.Clone(due)
	slices.SortStableFunc(sorted, func(a, b DueWebhook) int { return a.Oldest.Compare(b.Oldest) })
	var order []string
	workspaces := map[string]*turns{}
	for _, w := range sorted {
		t, ok := workspaces[w.WorkspaceID]
		if !ok {
			t = &turns{free: free(req.PerWorkspace, req.InFlight.ByWorkspace[w.WorkspaceID])}
			workspaces[w.WorkspaceID] = t
			order = append(order, w.WorkspaceID)
		}
		if w.Due = min(w.Due, free(req.PerWebhook, w.InFlight)); w.Due > 0 {
			t.webhooks = append(t.webhooks, w)
		}
	}
	share := map[string]int{}
	for given := 0; given < req.Limit; {
		before := given
		for _, id := range order {
			t := workspaces[id]
			if given == req.Limit || t.free <= 0 || len(t.webhooks) == 0 {
				continue
			}
			i := t.next % len(t.webhooks)
			w := &t.webhooks[i]
			share[w.ID]++
			w.Due--
			t.free--
			given++
			if w.Due == 0 {
				t.webhooks = slices.Delete(t.webhooks, i, i+1)
				t.next = i // the next one moved into i
			} else {
				t.next = i + 1
			}
		}
		if given == before {
			break // nothing left that may be taken
		}
	}
	return share
}

// Claimed is what a claim took, and when to claim again.
type Claimed struct {
	Claims []*Claim
	// Next is when the soonest delivery that a claim could take is due, possibly now;
	// zero when none is pending.
	Next time.Time
	// Held says that deliveries are due but held back by a concurrency bound, until an
	// attempt under way finishes.
	Held bool
}

// ClaimBy moves Next to t if t is sooner: something a claim could take is due then.
func (c *Claimed) ClaimBy(t time.Time) {
	if c.Next.IsZero() || t.Before(c.Next) {
		c.Next = t
	}
}
