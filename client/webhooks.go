package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Webhook is a registered endpoint, as GET /v1/webhooks/{id} shows it.
type Webhook struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	URL          string   `json:"url"`
	Description  *string  `json:"description"`
	Format       string   `json:"format"`
	Topics       []string `json:"topics"`
	Status       string   `json:"status"`
	StatusReason *string  `json:"statusReason"`
	// Secret signs the deliveries. The server shows it only in the answers to
	// CreateWebhook and RotateWebhookSecret (WebhookSecret reveals it): it is "" in any
	// other read, and when a harvestr webhook has none.
	Secret        string         `json:"secret"`
	RequestConfig RequestConfig  `json:"requestConfig"`
	RetrySchedule []string       `json:"retrySchedule"`
	RateLimit     *RateLimit     `json:"rateLimit"`
	Ordering      string         `json:"ordering"` // unordered or fifo
	LastStatus    *LastStatus    `json:"lastStatus"`
	Health        map[string]any `json:"health"`
	CreatedAt     time.Time      `json:"createdAt"`
	UpdatedAt     time.Time      `json:"updatedAt"`
	// Filter is the JSON object of the webhook's filter, or JSON null when it has none.
	Filter   json.RawMessage  `json:"filter"`
	Template *WebhookTemplate `json:"template"` // a template webhook's; nil for other formats
}

// WebhookTemplate is a template webhook's template: a Go text/template, and the
// Content-Type of the bodies it renders.
type WebhookTemplate struct {
	Body        string `json:"body"`
	ContentType string `json:"contentType"`
}

// RequestConfig is how a webhook's requests are sent.
type RequestConfig struct {
	TimeoutMs int               `json:"timeoutMs,omitempty"`
	Headers   map[string]string `json:"headers,omitempty"`
}

// RateLimit bounds how fast a webhook receives deliveries: at most PerSecond in any
// second, or PerSecond + Burst - 1 with a Burst above the default 1.
type RateLimit struct {
	PerSecond int `json:"perSecond"`
	Burst     int `json:"burst,omitempty"`
}

// LastStatus is the answer to a webhook's latest attempt.
type LastStatus struct {
	Code      int       `json:"code"`
	Message   string    `json:"message"`
	Timestamp time.Time `json:"timestamp"`
}

// WebhookInput registers a webhook.
type WebhookInput struct {
	Name          string         `json:"name"`
	URL           string         `json:"url"`
	Format        string         `json:"format"`
	Topics        []string       `json:"topics"`
	Description   *string        `json:"description,omitempty"`
	Secret        *string        `json:"secret,omitempty"` // generated when nil; a harvestr webhook may have none (""), or any text
	RequestConfig *RequestConfig `json:"requestConfig,omitempty"`
	RetrySchedule []string       `json:"retrySchedule,omitempty"`
	RateLimit     *RateLimit     `json:"rateLimit,omitempty"`
	Ordering      string         `json:"ordering,omitempty"` // unordered (the default) or fifo
	// Filter, a JSON object, delivers only the events whose payload it matches.
	Filter   json.RawMessage  `json:"filter,omitempty"`
	Template *WebhookTemplate `json:"template,omitempty"` // required with format "template"
}

// CreateWebhook registers a webhook.
func (c *Client) CreateWebhook(ctx context.Context, in WebhookInput) (*Webhook, error) {
	var w Webhook
	return &w, c.Do(ctx, http.MethodPost, "/v1/webhooks", in, &w)
}

// Webhook returns one webhook.
func (c *Client) Webhook(ctx context.Context, id string) (*Webhook, error) {
	var w Webhook
	return &w, c.Do(ctx, http.MethodGet, "/v1/webhooks/"+url.PathEscape(id), nil, &w)
}

// Webhooks returns one page of webhooks.
func (c *Client) Webhooks(ctx context.Context, o ListOptions) (*List[Webhook], error) {
	var l List[Webhook]
	return &l, c.Do(ctx, http.MethodGet, "/v1/webhooks"+o.query(url.Values{}), nil, &l)
}

// UpdateWebhook applies a merge patch: the members of patch replace, null clears.
func (c *Client) UpdateWebhook(ctx context.Context, id string, patch map[string]any) (*Webhook, error) {
	var w Webhook
	return &w, c.Do(ctx, http.MethodPatch, "/v1/webhooks/"+url.PathEscape(id), patch, &w)
}

// WebhookSecret reveals a webhook's secret, which no other read shows: "" when a
// harvestr webhook has none.
func (c *Client) WebhookSecret(ctx context.Context, id string) (string, error) {
	var s struct {
		Secret *string `json:"secret"`
	}
	if err := c.Do(ctx, http.MethodGet, "/v1/webhooks/"+url.PathEscape(id)+"/secret", nil, &s); err != nil {
		return "", err
	}
	if s.Secret == nil {
		return "", nil
	}
	return *s.Secret, nil
}

// RotateWebhookSecret replaces a webhook's secret with secret, or a generated one when
// nil; the old one keeps signing webhook-signature for grace. The answer shows the new
// secret.
func (c *Client) RotateWebhookSecret(ctx context.Context, id string, grace time.Duration, secret *string) (*Webhook, error) {
	body := map[string]any{}
	if grace > 0 {
		body["gracePeriod"] = grace.String()
	}
	if secret != nil {
		body["secret"] = *secret
	}
	var w Webhook
	return &w, c.Do(ctx, http.MethodPost, "/v1/webhooks/"+url.PathEscape(id)+"/secret", body, &w)
}

// TestWebhook queues a delivery of the example event of eventType, or of the webhook's
// first topic when eventType is "", and returns it.
func (c *Client) TestWebhook(ctx context.Context, id, eventType string) (*Delivery, error) {
	var body any
	if eventType != "" {
		body = map[string]any{"eventType": eventType}
	}
	var d Delivery
	return &d, c.Do(ctx, http.MethodPost, "/v1/webhooks/"+url.PathEscape(id)+"/test", body, &d)
}

// DeleteWebhook deletes a webhook with its deliveries.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, "/v1/webhooks/"+url.PathEscape(id), nil, nil)
}

// Delivery is one event's delivery to one webhook, with its attempts when read alone.
type Delivery struct {
	ID             string     `json:"id"`
	WebhookID      string     `json:"webhookId"`
	EventID        string     `json:"eventId"`
	EventType      string     `json:"eventType"`
	Status         string     `json:"status"`
	AttemptCount   int        `json:"attemptCount"`
	NextAttemptAt  *time.Time `json:"nextAttemptAt"`
	LastAttemptAt  *time.Time `json:"lastAttemptAt"`
	LastStatusCode *int       `json:"lastStatusCode"`
	Test           bool       `json:"test"`
	WaitingFor     *string    `json:"waitingFor"` // the delivery ahead of it, for a FIFO webhook's
	CreatedAt      time.Time  `json:"createdAt"`
	Attempts       []Attempt  `json:"attempts,omitempty"`
}

// Attempt is one try of a delivery.
type Attempt struct {
	Number     int     `json:"number"`
	StartedAt  string  `json:"startedAt"`
	DurationMs float64 `json:"durationMs"`
	Request    struct {
		URL     string      `json:"url"`
		Headers http.Header `json:"headers"`
		Body    string      `json:"body"`
	} `json:"request"`
	Response *struct {
		Status  int         `json:"status"`
		Headers http.Header `json:"headers"`
		Body    string      `json:"body"`
	} `json:"response"`
	Error *struct {
		Class   string `json:"class"`
		Message string `json:"message"`
	} `json:"error"`
	Outcome       string  `json:"outcome"`
	NextAttemptAt *string `json:"nextAttemptAt"`
}

// DeliveryFilter selects deliveries.
type DeliveryFilter struct {
	ListOptions
	WebhookID string
	Status    string
	Since     time.Time
}

// Deliveries returns one page of deliveries, newest first.
func (c *Client) Deliveries(ctx context.Context, f DeliveryFilter) (*List[Delivery], error) {
	q := url.Values{}
	if f.WebhookID != "" {
		q.Set("webhookId", f.WebhookID)
	}
	if f.Status != "" {
		q.Set("status", f.Status)
	}
	if !f.Since.IsZero() {
		q.Set("since", f.Since.UTC().Format(time.RFC3339Nano))
	}
	var l List[Delivery]
	return &l, c.Do(ctx, http.MethodGet, "/v1/deliveries"+f.query(q), nil, &l)
}

// Delivery returns one delivery with its attempts.
func (c *Client) Delivery(ctx context.Context, id string) (*Delivery, error) {
	var d Delivery
	return &d, c.Do(ctx, http.MethodGet, "/v1/deliveries/"+url.PathEscape(id), nil, &d)
}

// RetryDelivery makes a delivery due now.
func (c *Client) RetryDelivery(ctx context.Context, id string) (*Delivery, error) {
	var d Delivery
	return &d, c.Do(ctx, http.MethodPost, "/v1/deliveries/"+url.PathEscape(id)+"/retry", nil, &d)
}

// Job is a background recover or replay.
type Job struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	WebhookID  string     `json:"webhookId"`
	Status     string     `json:"status"`
	Total      int        `json:"total"`
	Processed  int        `json:"processed"`
	Error      *string    `json:"error"`
	FinishedAt *time.Time `json:"finishedAt"`
}

// Finished reports whether the job is over, well or not.
func (j *Job) Finished() bool { return j.Status == "succeeded" || j.Status == "failed" }

// StartJob starts a recover or replay ("recover" or "replay") of a webhook over
// [since, until); a zero until means now.
func (c *Client) StartJob(ctx context.Context, kind, webhookID string, since, until time.Time) (*Job, error) {
	body := map[string]any{"since": since.UTC().Format(time.RFC3339Nano)}
	if !until.IsZero() {
		body["until"] = until.UTC().Format(time.RFC3339Nano)
	}
	var j Job
	return &j, c.Do(ctx, http.MethodPost, "/v1/webhooks/"+url.PathEscape(webhookID)+"/"+kind, body, &j)
}

// Job returns a job's progress.
func (c *Client) Job(ctx context.Context, id string) (*Job, error) {
	var j Job
	return &j, c.Do(ctx, http.MethodGet, "/v1/jobs/"+url.PathEscape(id), nil, &j)
}

// Event is one entry of the event log with its wire payload.
type Event struct {
	ID           string          `json:"id"`
	Type         string          `json:"type"`
	Format       string          `json:"format"`
	ResourceType string          `json:"resourceType"`
	ResourceID   string          `json:"resourceId"`
	CreatedAt    time.Time       `json:"createdAt"`
	Payload      json.RawMessage `json:"payload"`
}

// EventFilter selects events.
type EventFilter struct {
	ListOptions
	Types []string
	Since time.Time
}

// Events returns one page of the event log, newest first.
func (c *Client) Events(ctx context.Context, f EventFilter) (*List[Event], error) {
	q := url.Values{}
	if len(f.Types) > 0 {
		q.Set("type", strings.Join(f.Types, ","))
	}
	if !f.Since.IsZero() {
		q.Set("since", f.Since.UTC().Format(time.RFC3339Nano))
	}
	var l List[Event]
	return &l, c.Do(ctx, http.MethodGet, "/v1/events"+f.query(q), nil, &l)
}

// Event returns one event.
func (c *Client) Event(ctx context.Context, id string) (*Event, error) {
	var e Event
	return &e, c.Do(ctx, http.MethodGet, "/v1/events/"+url.PathEscape(id), nil, &e)
}

// FilterTest is the answer of TestWebhookFilter.
type FilterTest struct {
	WebhookID string          `json:"webhookId"`
	Matched   bool            `json:"matched"` // an event with the payload would be delivered
	Filter    json.RawMessage `json:"filter"`  // the filter tried; JSON null when none
}

// TestWebhookFilter tells whether payload, an event payload, passes the webhook's
// filter, or filter instead when it is not nil.
func (c *Client) TestWebhookFilter(ctx context.Context, id string, payload, filter json.RawMessage) (*FilterTest, error) {
	body := map[string]json.RawMessage{"payload": payload}
	if filter != nil {
		body["filter"] = filter
	}
	var f FilterTest
	return &f, c.Do(ctx, http.MethodPost, "/v1/webhooks/"+url.PathEscape(id)+"/filter/test", body, &f)
}
