package delivery

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
	"github.com/feedwire/feedwire/wire"
)

// WebhookStore is the part of the store the webhook service works with.
type WebhookStore interface {
	CreateWebhook(ctx context.Context, workspaceID string, w *feedwire.Webhook) error
	Webhook(ctx context.Context, workspaceID, id string) (*feedwire.Webhook, error)
	Webhooks(ctx context.Context, workspaceID string, p feedwire.ListParams) (*feedwire.Page[feedwire.Webhook], error)
	UpdateWebhook(ctx context.Context, workspaceID, id string, p feedwire.WebhookPatch, check func(before, after *feedwire.Webhook) error) (*feedwire.Webhook, error)
	DeleteWebhook(ctx context.Context, workspaceID, id string) error
	RotateWebhookSecret(ctx context.Context, workspaceID, id string, grace time.Duration, newSecret string) (*feedwire.Webhook, error)
	QueueTestDelivery(ctx context.Context, workspaceID, webhookID string, ev *feedwire.Event) (*feedwire.Delivery, error)
}

// WebhookService implements feedwire.WebhookService: the store's webhooks, with the
// harvestr challenge in front of every new URL.
type WebhookService struct {
	store  WebhookStore
	client *http.Client
}

var _ feedwire.WebhookService = (*WebhookService)(nil)

// NewWebhookService returns a webhook service that challenges endpoints with client.
func NewWebhookService(store WebhookStore, client *http.Client) *WebhookService {
	return &WebhookService{store: store, client: client}
}

// CreateWebhook validates the webhook, challenges a harvestr endpoint, and stores it.
func (s *WebhookService) CreateWebhook(ctx context.Context, workspaceID string, in feedwire.WebhookInput) (*feedwire.Webhook, error) {
	w := in.Webhook(webhook.NewSecret)
	if err := w.Validate(); err != nil {
		return nil, err
	}
	if err := checkControls(&w); err != nil {
		return nil, err
	}
	if w.Format == feedwire.FormatHarvestr {
		if err := Challenge(ctx, s.client, w.URL, w.Secret); err != nil {
			return nil, err
		}
	}
	if err := s.store.CreateWebhook(ctx, workspaceID, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// Webhook returns one webhook.
func (s *WebhookService) Webhook(ctx context.Context, workspaceID, id string) (*feedwire.Webhook, error) {
	return s.store.Webhook(ctx, workspaceID, id)
}

// Webhooks returns one page of webhooks.
func (s *WebhookService) Webhooks(ctx context.Context, workspaceID string, p feedwire.ListParams) (*feedwire.Page[feedwire.Webhook], error) {
	return s.store.Webhooks(ctx, workspaceID, p)
}

// UpdateWebhook applies a patch, challenging a harvestr webhook's new URL first.
func (s *WebhookService) UpdateWebhook(ctx context.Context, workspaceID, id string, p feedwire.WebhookPatch) (*feedwire.Webhook, error) {
	return s.store.UpdateWebhook(ctx, workspaceID, id, p, func(before, after *feedwire.Webhook) error {
		if err := checkControls(after); err != nil {
			return err
		}
		if after.Format == feedwire.FormatHarvestr && after.URL != before.URL {
			return Challenge(ctx, s.client, after.URL, after.Secret)
		}
		return nil
	})
}

// DeleteWebhook removes a webhook.
func (s *WebhookService) DeleteWebhook(ctx context.Context, workspaceID, id string) error {
	return s.store.DeleteWebhook(ctx, workspaceID, id)
}

// RotateWebhookSecret replaces the secret with newSecret ("" for none, in a harvestr
// webhook), or a generated one when nil.
func (s *WebhookService) RotateWebhookSecret(ctx context.Context, workspaceID, id string, grace time.Duration, newSecret *string) (*feedwire.Webhook, error) {
	secret := webhook.NewSecret()
	if newSecret != nil {
		secret = *newSecret
	}
	return s.store.RotateWebhookSecret(ctx, workspaceID, id, grace, secret)
}

// TestWebhook queues a delivery of the example event of eventType, or of the webhook's
// first topic, to the webhook.
func (s *WebhookService) TestWebhook(ctx context.Context, workspaceID, id string, eventType feedwire.EventType) (*feedwire.Delivery, error) {
	w, err := s.store.Webhook(ctx, workspaceID, id)
	if err != nil {
		return nil, err
	}
	if eventType == "" {
		eventType = w.Topics[0]
	}
	if !slices.Contains(feedwire.EventTypesOf(w.Format), eventType) {
		return nil, feedwire.Invalid("eventType", "is not an event type of format "+string(w.Format)+", the webhook's")
	}
	ev, err := wire.ExampleEvent(eventType)
	if err != nil {
		return nil, feedwire.Invalid("eventType", err.Error())
	}
	return s.store.QueueTestDelivery(ctx, workspaceID, id, ev)
}
