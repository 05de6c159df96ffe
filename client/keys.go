package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// APIKey is an API key as the server lists it: its prefix, never the key.
type APIKey struct {
	ID         string     `json:"id"`
	Name       *string    `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	ExpiresAt  *time.Time `json:"expiresAt"`
	RevokedAt  *time.Time `json:"revokedAt"`
	// Secret is the key itself, only in the answers to CreateAPIKey and RotateAPIKey.
	Secret string `json:"secret,omitempty"`
}

// Status says whether the key works at now: "active", "expired" or "revoked", or
// "rotating" while a rotated key's grace period lasts.
func (k *APIKey) Status(now time.Time) string {
	switch {
	case k.RevokedAt != nil && !now.Before(*k.RevokedAt):
		return "revoked"
	case k.ExpiresAt != nil && !now.Before(*k.ExpiresAt):
		return "expired"
	case k.RevokedAt != nil:
		return "rotating"
	}
	return "active"
}

// APIKeyInput creates or rotates a key. ExpiresIn is a duration such as "720h"; give it
// or ExpiresAt, or neither for a key that never expires (a rotated key then lasts as
// long as the one it replaces).
type APIKeyInput struct {
	Name      *string    `json:"name,omitempty"`
	ExpiresIn string     `json:"expiresIn,omitempty"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// RotatedAPIKey is the key a rotation made, with the key it replaces.
type RotatedAPIKey struct {
	APIKey
	Replaced APIKey `json:"replaced"`
}

// APIKeys returns one page of the workspace's keys, newest first.
func (c *Client) APIKeys(ctx context.Context, o ListOptions) (*List[APIKey], error) {
	var l List[APIKey]
	return &l, c.Do(ctx, http.MethodGet, "/v1/api-keys"+o.query(url.Values{}), nil, &l)
}

// CreateAPIKey creates a key in the workspace of the client's key; the answer is the
// only time its Secret is shown.
func (c *Client) CreateAPIKey(ctx context.Context, in APIKeyInput) (*APIKey, error) {
	var k APIKey
	return &k, c.Do(ctx, http.MethodPost, "/v1/api-keys", in, &k)
}

// RevokeAPIKey makes a key stop working at once; it may be the client's own key.
func (c *Client) RevokeAPIKey(ctx context.Context, id string) (*APIKey, error) {
	var k APIKey
	return &k, c.Do(ctx, http.MethodDelete, "/v1/api-keys/"+url.PathEscape(id), nil, &k)
}

// RotateAPIKey replaces a key with a new one, whose Secret the answer shows once; the
// old key keeps working for grace (0 for not at all, at most 168h).
func (c *Client) RotateAPIKey(ctx context.Context, id string, grace time.Duration, in APIKeyInput) (*RotatedAPIKey, error) {
	body := struct {
		APIKeyInput
		GracePeriod string `json:"gracePeriod,omitempty"`
	}{APIKeyInput: in}
	if grace > 0 {
		body.GracePeriod = grace.String()
	}
	var k RotatedAPIKey
	return &k, c.Do(ctx, http.MethodPost, "/v1/api-keys/"+url.PathEscape(id)+"/rotate", body, &k)
}
