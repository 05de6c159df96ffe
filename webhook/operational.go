package webhook

// FormatOperational is the format of the webhooks that receive feedwire's own events
// (webhook.suspended, webhook.recovered, delivery.failed, job.finished). Their body is
// a Standard Webhooks payload, an OperationalEvent; the delivery's id is in the
// webhook-id header, signed with the rest.
const FormatOperational = "operational"

// The operational event types, each the Type of an OperationalEvent whose data its
// comment names.
const (
	EventWebhookSuspended = "webhook.suspended" // OperationalEvent[WebhookSuspended]
	EventWebhookRecovered = "webhook.recovered" // OperationalEvent[WebhookRecovered]
	EventDeliveryFailed   = "delivery.failed"   // OperationalEvent[DeliveryFailed]
	EventJobFinished      = "job.finished"      // OperationalEvent[JobFinished]
)

// OperationalEvent is a delivery of one of feedwire's own events, as the Standard
// Webhooks specification shapes a payload.
type OperationalEvent[T any] struct {
	Type      string `json:"type"`
	Timestamp Time   `json:"timestamp"` // when it happened
	Data      T      `json:"data"`
}

// LastStatus is how a webhook's endpoint answered an attempt.
type LastStatus struct {
	Code      int    `json:"code"` // the HTTP status; 0 when there was no answer
	Message   string `json:"message"`
	Timestamp Time   `json:"timestamp"` // when the answer came, or the attempt gave up
}

// WebhookSuspended is the data of webhook.suspended: feedwire suspended a webhook, and
// holds its deliveries until it is made active again (PATCH status "active").
type WebhookSuspended struct {
	WebhookID   string `json:"webhookId"`
	WebhookName string `json:"webhookName"`
	URL         string `json:"url"`
	// Reason says why: the endpoint answered 410 Gone, or no delivery has succeeded
	// for the time the server suspends after.
	Reason string `json:"reason"`
	// FailingSince is when the failures began: the start of the first attempt that
	// failed since the last success.
	FailingSince *Time      `json:"failingSince"`
	LastStatus   LastStatus `json:"lastStatus"`
	SuspendedAt  Time       `json:"suspendedAt"`
}

// WebhookRecovered is the data of webhook.recovered: a suspended webhook was made
// active again, and the deliveries it held are due.
type WebhookRecovered struct {
	WebhookID   string `json:"webhookId"`
	WebhookName string `json:"webhookName"`
	URL         string `json:"url"`
	// SuspendedReason is why it had been suspended.
	SuspendedReason string `json:"suspendedReason"`
	// Released counts the held deliveries made due.
	Released    int  `json:"released"`
	RecoveredAt Time `json:"recoveredAt"`
}

// DeliveryFailed is the data of delivery.failed: a delivery failed for good, every
// attempt of its retry schedule spent. POST /v1/deliveries/{id}/retry tries it again.
type DeliveryFailed struct {
	DeliveryID  string     `json:"deliveryId"`
	WebhookID   string     `json:"webhookId"`
	WebhookName string     `json:"webhookName"`
	EventID     string     `json:"eventId"`
	EventType   string     `json:"eventType"`
	Attempts    int        `json:"attempts"`
	LastStatus  LastStatus `json:"lastStatus"`
	// ErrorClass says why the last attempt failed: dns, connect, tls, timeout, status,
	// redirect, blocked or render.
	ErrorClass string `json:"errorClass"`
}

// JobFinished is the data of job.finished: a recover or replay job ended.
type JobFinished struct {
	JobID     string `json:"jobId"`
	Kind      string `json:"kind"` // recover or replay
	WebhookID string `json:"webhookId"`
	Status    string `json:"status"` // succeeded or failed
	// Total is how many events the job's range held; Processed how many it went
	// through.
	Total     int     `json:"total"`
	Processed int     `json:"processed"`
	Error     *string `json:"error"` // why it failed; null when it succeeded
	Since     Time    `json:"since"`
	Until     *Time   `json:"until"` // null when it failed before it began
	CreatedAt Time    `json:"createdAt"`
	// FinishedAt is when it ended, the event's timestamp too.
	FinishedAt Time `json:"finishedAt"`
}
