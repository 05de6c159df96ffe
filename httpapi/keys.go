package httpapi

import (
	"context"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// APIKeyBody is an API key as lists show it: never the key itself. It is exported, as
// is CreatedAPIKeyBody, only because the answers embed them, and the OpenAPI schema
// holds the fields of an embedded struct only when its type is exported.
type APIKeyBody struct {
	Object     string        `json:"object" enum:"api_key"`
	ID         string        `json:"id"`
	Name       *string       `json:"name" nullable:"true"`
	Prefix     string        `json:"prefix" doc:"The first 11 characters of the key (fw_ and 8 hexadecimal digits), to recognise it by; just fw_ for keys made before feedwire kept prefixes"`
	CreatedAt  webhook.Time  `json:"createdAt"`
	LastUsedAt *webhook.Time `json:"lastUsedAt" nullable:"true" doc:"When the key last authenticated a request, to the minute"`
	ExpiresAt  *webhook.Time `json:"expiresAt" nullable:"true" doc:"From then on the key is refused; null for never"`
	RevokedAt  *webhook.Time `json:"revokedAt" nullable:"true" doc:"From then on the key is refused: when it was revoked, or when a rotation's grace period ends"`
}

func newAPIKeyBody(k *feedwire.APIKey) APIKeyBody {
	return APIKeyBody{
		Object: "api_key", ID: k.ID, Name: k.Name, Prefix: k.Prefix, CreatedAt: webhook.NewTime(k.CreatedAt),
		LastUsedAt: webhook.NewTimePtr(k.LastUsedAt), ExpiresAt: webhook.NewTimePtr(k.ExpiresAt),
		RevokedAt: webhook.NewTimePtr(k.RevokedAt),
	}
}

// CreatedAPIKeyBody is a key just made: the only answer that holds the key.
type CreatedAPIKeyBody struct {
	APIKeyBody
	Secret string `json:"secret" doc:"The key, for Authorization: Bearer. This answer is the only time it is shown: feedwire keeps only its hash"`
}

// rotatedAPIKeyBody is the key a rotation made, and the key it replaces.
type rotatedAPIKeyBody struct {
	CreatedAPIKeyBody
	Replaced APIKeyBody `json:"replaced" doc:"The rotated key; its revokedAt says when it stops working"`
}

// createAPIKeyInputBody is what creating or rotating a key takes.
type createAPIKeyInputBody struct {
	Name      *string       `json:"name,omitempty" maxLength:"100" doc:"A name for people, such as ci or the person it is for"`
	ExpiresIn string        `json:"expiresIn,omitempty" doc:"How long the key works, such as 720h: from 1s to 87600h. Give this or expiresAt; with neither, a new key never expires and a rotated key lasts as long as the one it replaces"`
	ExpiresAt *webhook.Time `json:"expiresAt,omitempty" doc:"When the key stops working, at most 87600h ahead"`
}

func (b *createAPIKeyInputBody) input() (feedwire.APIKeyInput, error) {
	in := feedwire.APIKeyInput{Name: b.Name}
	if b.ExpiresIn != "" {
		d, err := time.ParseDuration(b.ExpiresIn)
		if err != nil || d == 0 {
			return in, feedwire.Invalid("expiresIn", "is not a duration such as 720h")
		}
		in.ExpiresIn = d
	}
	if b.ExpiresAt != nil {
		t := b.ExpiresAt.Time
		in.ExpiresAt = &t
	}
	return in, nil
}

type createAPIKeyInput struct {
	Body *createAPIKeyInputBody `required:"false"`
}

func createAPIKey(svc feedwire.WorkspaceService) handler[createAPIKeyInput, output[CreatedAPIKeyBody]] {
	return func(ctx context.Context, workspaceID string, in *createAPIKeyInput) (*output[CreatedAPIKeyBody], error) {
		body := in.Body
		if body == nil {
			body = &createAPIKeyInputBody{}
		}
		input, err := body.input()
		if err != nil {
			return nil, err
		}
		k, err := svc.AddAPIKey(ctx, workspaceID, input)
		if err != nil {
			return nil, err
		}
		return &output[CreatedAPIKeyBody]{CreatedAPIKeyBody{newAPIKeyBody(k), k.Secret}}, nil
	}
}

func revokeAPIKey(svc feedwire.WorkspaceService) handler[idInput, output[APIKeyBody]] {
	return func(ctx context.Context, workspaceID string, in *idInput) (*output[APIKeyBody], error) {
		k, err := svc.RevokeAPIKey(ctx, workspaceID, in.ID)
		if err != nil {
			return nil, err
		}
		return &output[APIKeyBody]{newAPIKeyBody(k)}, nil
	}
}

// rotateAPIKeyInputBody spells out createAPIKeyInputBody's members rather than embedding
// it: the schema huma builds for an embedded struct refuses the embedded members.
type rotateAPIKeyInputBody struct {
	Name        *string       `json:"name,omitempty" maxLength:"100" doc:"A name for the new key; default the rotated key's"`
	ExpiresIn   string        `json:"expiresIn,omitempty" doc:"How long the new key works, such as 720h: from 1s to 87600h. Give this or expiresAt; with neither, the new key lasts as long as the one it replaces"`
	ExpiresAt   *webhook.Time `json:"expiresAt,omitempty" doc:"When the new key stops working, at most 87600h ahead"`
	GracePeriod string        `json:"gracePeriod,omitempty" doc:"How long the rotated key keeps working, up to 168h; default 0s, it stops at once"`
}

type rotateAPIKeyInput struct {
	ID   string                 `path:"id"`
	Body *rotateAPIKeyInputBody `required:"false"`
}

func rotateAPIKey(svc feedwire.WorkspaceService) handler[rotateAPIKeyInput, output[rotatedAPIKeyBody]] {
	return func(ctx context.Context, workspaceID string, in *rotateAPIKeyInput) (*output[rotatedAPIKeyBody], error) {
		var input feedwire.APIKeyInput
		var grace time.Duration
		if b := in.Body; b != nil {
			var err error
			key := createAPIKeyInputBody{Name: b.Name, ExpiresIn: b.ExpiresIn, ExpiresAt: b.ExpiresAt}
			if input, err = key.input(); err != nil {
				return nil, err
			}
			if b.GracePeriod != "" {
				if grace, err = time.ParseDuration(b.GracePeriod); err != nil {
					return nil, feedwire.Invalid("gracePeriod", "is not a duration such as 1h")
				}
			}
		}
		newKey, old, err := svc.RotateAPIKey(ctx, workspaceID, in.ID, grace, input)
		if err != nil {
			return nil, err
		}
		return &output[rotatedAPIKeyBody]{rotatedAPIKeyBody{CreatedAPIKeyBody{newAPIKeyBody(newKey), newKey.Secret}, newAPIKeyBody(old)}}, nil
	}
}
