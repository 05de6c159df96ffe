package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// deliveryBody is a delivery as the API shows it; GET /v1/deliveries/{id} adds its
// attempts.
type deliveryBody struct {
	Object         string        `json:"object" enum:"delivery"`
	ID             string        `json:"id" doc:"The envelope id the receiver sees"`
	WebhookID      string        `json:"webhookId"`
	EventID        string        `json:"eventId"`
	EventType      string        `json:"eventType"`
	Status         string        `json:"status" enum:"pending,succeeded,failed"`
	AttemptCount   int           `json:"attemptCount"`
	NextAttemptAt  *webhook.Time `json:"nextAttemptAt" nullable:"true" doc:"null when finished, or held while its webhook is paused or suspended"`
	LastAttemptAt  *webhook.Time `json:"lastAttemptAt" nullable:"true"`
	LastStatusCode *int          `json:"lastStatusCode" nullable:"true"`
	Test           bool          `json:"test" doc:"Sent by POST /v1/webhooks/{id}/test"`
	WaitingFor     *string       `json:"waitingFor" nullable:"true" doc:"For a pending delivery of a FIFO webhook, the delivery ahead of it that must succeed or fail for good before it goes; null otherwise"`
	CreatedAt      webhook.Time  `json:"createdAt"`
	UpdatedAt      webhook.Time  `json:"updatedAt"`
	Attempts       []attemptBody `json:"attempts,omitempty"`
}

func newDeliveryBody(d *feedwire.Delivery, attempts []feedwire.Attempt) deliveryBody {
	b := deliveryBody{
		Object: "delivery", ID: d.ID, WebhookID: d.WebhookID, EventID: d.EventID, EventType: string(d.EventType),
		Status: string(d.Status), AttemptCount: d.Attempts, NextAttemptAt: webhook.NewTimePtr(d.NextAttemptAt),
		LastAttemptAt: webhook.NewTimePtr(d.LastAttemptAt), LastStatusCode: d.LastStatusCode, Test: d.Test,
		WaitingFor: d.WaitingFor, CreatedAt: webhook.NewTime(d.CreatedAt), UpdatedAt: webhook.NewTime(d.UpdatedAt),
	}
	for i := range attempts {
		b.Attempts = append(b.Attempts, newAttemptBody(&attempts[i]))
	}
	return b
}

// attemptBody is one attempt: what was sent, what came back, and what feedwire made of it.
type attemptBody struct {
	Object        string               `json:"object" enum:"attempt"`
	ID            string               `json:"id"`
	Number        int                  `json:"number"`
	StartedAt     webhook.Time         `json:"startedAt"`
	DurationMs    float64              `json:"durationMs"`
	Request       attemptRequestBody   `json:"request"`
	Response      *attemptResponseBody `json:"response" doc:"null when no answer came"`
	Error         *attemptError        `json:"error" doc:"null when the answer was a 2xx"`
	Outcome       string               `json:"outcome" enum:"delivered,retry,failed,suspended"`
	NextAttemptAt *webhook.Time        `json:"nextAttemptAt" nullable:"true"`
}

type attemptRequestBody struct {
	URL     string      `json:"url"`
	Headers http.Header `json:"headers"`
	Body    string      `json:"body"`
}

type attemptResponseBody struct {
	Status  int         `json:"status"`
	Headers http.Header `json:"headers"`
	Body    string      `json:"body" doc:"At most the first 16 KiB"`
}

type attemptError struct {
	Class   string `json:"class" enum:"dns,connect,tls,timeout,status,redirect,blocked,render"`
	Message string `json:"message"`
}

func newAttemptBody(a *feedwire.Attempt) attemptBody {
	b := attemptBody{
		Object: "attempt", ID: a.ID, Number: a.Number, StartedAt: webhook.NewTime(a.StartedAt),
		DurationMs: float64(a.Duration.Microseconds()) / 1000,
		Request:    attemptRequestBody{URL: a.RequestURL, Headers: a.RequestHeaders, Body: string(a.RequestBody)},
		Outcome:    string(a.Outcome), NextAttemptAt: webhook.NewTimePtr(a.NextAttemptAt),
	}
	if a.ResponseStatus != 0 {
		b.Response = &attemptResponseBody{Status: a.ResponseStatus, Headers: a.ResponseHeaders, Body: string(a.ResponseBody)}
	}
	if a.ErrorClass != "" {
		b.Error = &attemptError{Class: string(a.ErrorClass), Message: a.ErrorMessage}
	}
	return b
}

type listDeliveriesInput struct {
	Limit     int       `query:"limit" minimum:"1" maximum:"100" default:"20" doc:"How many deliveries to return, 1 to 100"`
	Cursor    string    `query:"cursor" doc:"The nextCursor of the previous page"`
	WebhookID string    `query:"webhookId" doc:"Only this webhook's deliveries"`
	Status    string    `query:"status" enum:"pending,succeeded,failed" doc:"Only deliveries with this status"`
	Since     time.Time `query:"since" doc:"Only deliveries created at or after this time (RFC 3339)"`
}

func listDeliveries(svc feedwire.DeliveryService) handler[listDeliveriesInput, output[listBody[deliveryBody]]] {
	return func(ctx context.Context, workspaceID string, in *listDeliveriesInput) (*output[listBody[deliveryBody]], error) {
		p, err := (&listInput{Limit: in.Limit, Cursor: in.Cursor}).params()
		if err != nil {
			return nil, err
		}
		page, err := svc.Deliveries(ctx, workspaceID, feedwire.DeliveryFilter{
			ListParams: p, WebhookID: in.WebhookID, Status: feedwire.DeliveryStatus(in.Status), Since: in.Since,
		})
		if err != nil {
			return nil, err
		}
		return newList(page, func(d *feedwire.Delivery) deliveryBody { return newDeliveryBody(d, nil) }), nil
	}
}

func getDelivery(svc feedwire.DeliveryService) handler[idInput, output[deliveryBody]] {
	return func(ctx context.Context, workspaceID string, in *idInput) (*output[deliveryBody], error) {
		d, err := svc.Delivery(ctx, workspaceID, in.ID)
		if err != nil {
			return nil, err
		}
		attempts, err := svc.Attempts(ctx, workspaceID, in.ID)
		if err != nil {
			return nil, err
		}
		return &output[deliveryBody]{newDeliveryBody(d, attempts)}, nil
	}
}

func retryDelivery(svc feedwire.DeliveryService) handler[idInput, output[deliveryBody]] {
	return func(ctx context.Context, workspaceID string, in *idInput) (*output[deliveryBody], error) {
		d, err := svc.RetryDelivery(ctx, workspaceID, in.ID)
		if err != nil {
			return nil, err
		}
		return &output[deliveryBody]{newDeliveryBody(d, nil)}, nil
	}
}
