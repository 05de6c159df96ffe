package feedwire

import (
	"context"
	"time"
)

// Workspace owns every other resource. Its id is what the featurebase format calls the
// organizationId.
type Workspace struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// APIKey is a secret that acts for one workspace. Only a hash of Secret is stored, so the
// secret is known only when the key is created.
type APIKey struct {
	ID          string
	WorkspaceID string
	Secret      string // set only on the key returned by CreateAPIKey
	CreatedAt   time.Time
}

// WorkspaceService creates workspaces and their keys and resolves keys to workspaces.
type WorkspaceService interface {
	// CreateAPIKey creates a key for the workspace with that name, creating the
	// workspace first if there is none.
	CreateAPIKey(ctx context.Context, workspaceName string) (*Workspace, *APIKey, error)
	// Authenticate returns the workspace a key acts for, or an ErrUnauthorized error.
	Authenticate(ctx context.Context, secret string) (*Workspace, error)
}
