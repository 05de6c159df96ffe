package wire

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// WebhookSuspendedEvent is the webhook.suspended event of w, just suspended at at: its
// StatusReason says why, and its LastStatus is the attempt that decided it.
func WebhookSuspendedEvent(w *feedwire.Webhook, at time.Time) (*feedwire.Event, error) {
	return operationalEvent(feedwire.EventWebhookSuspended, "webhook", webhook.WebhookSuspended{
		WebhookID: w.ID, WebhookName: w.Name, URL: w.URL, Reason: deref(w.StatusReason),
		FailingSince: webhook.NewTimePtr(w.Health.FailingSince), LastStatus: lastStatus(w.LastStatus),
		SuspendedAt: webhook.NewTime(at),
	})
}

// WebhookRecoveredEvent is the webhook.recovered event of w, made active at at after a
// suspension for suspendedReason, which released that many held deliveries.
func WebhookRecoveredEvent(w *feedwire.Webhook, suspendedReason string, released int, at time.Time) (*feedwire.Event, error) {
	return operationalEvent(feedwire.EventWebhookRecovered, "webhook", webhook.WebhookRecovered{
		WebhookID: w.ID, WebhookName: w.Name, URL: w.URL, SuspendedReason: suspendedReason,
		Released: released, RecoveredAt: webhook.NewTime(at),
	})
}

// DeliveryFailedEvent is the delivery.failed event of d, a delivery to w that failed
// for good with attempt a, its last.
func DeliveryFailedEvent(d *feedwire.Delivery, w *feedwire.Webhook, a *feedwire.Attempt) (*feedwire.Event, error) {
	return operationalEvent(feedwire.EventDeliveryFailed, "delivery", webhook.DeliveryFailed{
		DeliveryID: d.ID, WebhookID: w.ID, WebhookName: w.Name, EventID: d.EventID, EventType: string(d.EventType),
		Attempts: a.Number, ErrorClass: string(a.ErrorClass),
		LastStatus: webhook.LastStatus{Code: a.ResponseStatus, Message: a.StatusMessage(), Timestamp: webhook.NewTime(a.StartedAt.Add(a.Duration))},
	})
}

// JobFinishedEvent is the job.finished event of j, which has just succeeded or failed.
func JobFinishedEvent(j *feedwire.Job) (*feedwire.Event, error) {
	if j.FinishedAt == nil {
		return nil, fmt.Errorf("wire: job %s has not finished", j.ID)
	}
	return operationalEvent(feedwire.EventJobFinished, "job", webhook.JobFinished{
		JobID: j.ID, Kind: string(j.Kind), WebhookID: j.WebhookID, Status: string(j.Status),
		Total: j.Total, Processed: j.Processed, Error: j.Error,
		Since: webhook.NewTime(j.Since), Until: webhook.NewTimePtr(j.Until),
		CreatedAt: webhook.NewTime(j.CreatedAt), FinishedAt: webhook.NewTime(*j.FinishedAt),
	})
}

func operationalEvent(t feedwire.EventType, resourceType string, data any) (*feedwire.Event, error) {
	b, err := marshal(data)
	if err != nil {
		return nil, fmt.Errorf("wire: %s: %w", t, err)
	}
	return &feedwire.Event{Type: t, ResourceType: resourceType, Data: b}, nil
}

func lastStatus(s *feedwire.WebhookLastStatus) webhook.LastStatus {
	if s == nil {
		return webhook.LastStatus{}
	}
	return webhook.LastStatus{Code: s.Code, Message: s.Message, Timestamp: webhook.NewTime(s.At)}
}

// OperationalBody returns the body of a delivery of an operational event: a Standard
// Webhooks payload. The delivery's id goes in the webhook-id header only.
func OperationalBody(ev *feedwire.Event) ([]byte, error) {
	return marshal(webhook.OperationalEvent[json.RawMessage]{
		Type: string(ev.Type), Timestamp: webhook.NewTime(ev.CreatedAt), Data: ev.Data,
	})
}

// operationalExample is one operational event type with its data's Go type and an
// example event.
type operationalExample struct {
	name        feedwire.EventType
	description string
	data        reflect.Type
	event       func() (*feedwire.Event, error)
}

// exampleWebhook is the webhook the operational examples are about.
func exampleWebhook() feedwire.Webhook {
	failing := exampleTime("2025-01-12T09:15:00.000Z")
	reason := "the endpoint answered 410 Gone"
	return feedwire.Webhook{
		ID: exampleWebhookID, Name: "CRM sync", URL: "https://hooks.example.com/feedwire",
		Format: feedwire.FormatFeaturebase, Status: feedwire.WebhookSuspended, StatusReason: &reason,
		LastStatus: &feedwire.WebhookLastStatus{Code: 410, Message: "410 Gone", At: exampleTime("2025-01-15T14:29:59.870Z")},
		Health:     feedwire.WebhookHealth{FailingSince: &failing},
	}
}

func operationalExamples() []operationalExample {
	hook, at := exampleWebhook(), exampleTime("2025-01-15T14:30:00.000Z")
	return []operationalExample{
		{feedwire.EventWebhookSuspended, "feedwire suspended a webhook: its endpoint answered 410 Gone, or no delivery succeeded for the suspension period. Its deliveries are held until it is active again",
			reflect.TypeFor[webhook.WebhookSuspended](), func() (*feedwire.Event, error) {
				return WebhookSuspendedEvent(&hook, at)
			}},
		{feedwire.EventWebhookRecovered, "A suspended webhook is made active again, and the deliveries it held are due",
			reflect.TypeFor[webhook.WebhookRecovered](), func() (*feedwire.Event, error) {
				active := hook
				active.Status, active.StatusReason = feedwire.WebhookActive, nil
				return WebhookRecoveredEvent(&active, deref(hook.StatusReason), 42, at)
			}},
		{feedwire.EventDeliveryFailed, "A delivery failed for good: every attempt of its webhook's retry schedule failed",
			reflect.TypeFor[webhook.DeliveryFailed](), func() (*feedwire.Event, error) {
				d := feedwire.Delivery{ID: "notif_01946a2b-7c3d-7e4f-8a5b-6c7d8e9f0a1b", EventID: "01946a2b-7c3d-7e4f-8a5b-5c6d7e8f9a0b",
					EventType: "post.created", WebhookID: hook.ID}
				a := feedwire.Attempt{Number: 8, StartedAt: exampleTime("2025-01-15T14:29:58.000Z"), Duration: 2 * time.Second,
					ResponseStatus: 503, ErrorClass: feedwire.ErrorStatus, ErrorMessage: "503 Service Unavailable"}
				return DeliveryFailedEvent(&d, &hook, &a)
			}},
		{feedwire.EventJobFinished, "A recover or replay job ended: it succeeded, or it failed and says why",
			reflect.TypeFor[webhook.JobFinished](), func() (*feedwire.Event, error) {
				until := exampleTime("2025-01-15T14:00:00.000Z")
				j := feedwire.Job{ID: "cm5xq7k2p0001a8b3c4d5e6f7", WebhookID: hook.ID, Kind: feedwire.JobRecover,
					Since: exampleTime("2025-01-12T09:00:00.000Z"), Until: &until, Status: feedwire.JobSucceeded,
					Total: 1250, Processed: 1250, CreatedAt: exampleTime("2025-01-15T14:29:41.000Z"), FinishedAt: &at}
				return JobFinishedEvent(&j)
			}},
	}
}

// exampleEvent returns the example event, with its catalog id and time.
func (e operationalExample) exampleEvent() (*feedwire.Event, error) {
	ev, err := e.event()
	if err != nil {
		return nil, err
	}
	ev.ID, ev.CreatedAt = "01946a2b-9e5f-7061-8c7d-8e9f0a1b2c3d", exampleTime("2025-01-15T14:30:00.000Z")
	return ev, nil
}

func (e operationalExample) eventType() (EventType, error) {
	data, err := schemaFor(e.data, operationalEnums())
	if err != nil {
		return EventType{}, err
	}
	s, err := json.Marshal(schema{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"title":   string(e.name),
		"type":    "object",
		"properties": schema{
			"type":      schema{"const": string(e.name)},
			"timestamp": schema{"type": "string", "format": "date-time"},
			"data":      data,
		},
		"required":             []string{"type", "timestamp", "data"},
		"additionalProperties": false,
	})
	if err != nil {
		return EventType{}, err
	}
	ev, err := e.exampleEvent()
	if err != nil {
		return EventType{}, err
	}
	if ev.Type != e.name {
		return EventType{}, fmt.Errorf("example emits %s", ev.Type)
	}
	body, err := OperationalBody(ev)
	if err != nil {
		return EventType{}, err
	}
	return EventType{Name: e.name, Format: feedwire.FormatOperational, Description: e.description, Schema: s, Example: body}, nil
}

// operationalEnums are the values the operational payloads' closed fields take.
func operationalEnums() map[string][]string {
	return map[string][]string{
		"DeliveryFailed.eventType":  names(feedwire.VendorEventTypes),
		"DeliveryFailed.errorClass": names(feedwire.ErrorClasses),
		"JobFinished.kind":          names([]feedwire.JobKind{feedwire.JobRecover, feedwire.JobReplay}),
		"JobFinished.status":        names([]feedwire.JobStatus{feedwire.JobSucceeded, feedwire.JobFailed}),
	}
}

func operationalCatalog() ([]EventType, error) {
	var types []EventType
	for _, e := range operationalExamples() {
		t, err := e.eventType()
		if err != nil {
			return nil, fmt.Errorf("wire: catalog %s: %w", e.name, err)
		}
		types = append(types, t)
	}
	return types, nil
}
