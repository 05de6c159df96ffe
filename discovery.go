package feedwire

import (
	"context"
	"time"
)

// DiscoveryState is a stage a discovery moves through, such as "To review" or "Done".
type DiscoveryState struct {
	ID          string
	WorkspaceID string
	Name        string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// DiscoveryStateInput is what creating a discovery state takes.
type DiscoveryStateInput struct {
	Name string
}

// DiscoveryStatePatch is a partial update of a discovery state.
type DiscoveryStatePatch struct {
	Name Field[string]
}

// Apply applies the patch to s and validates the result.
func (p DiscoveryStatePatch) Apply(s *DiscoveryState) error {
	var problems Problems
	applyRequired(p.Name, &s.Name, "name", &problems)
	if err := problems.Err(); err != nil {
		return err
	}
	return s.Validate()
}

// Validate reports every field of s that is not valid.
func (s *DiscoveryState) Validate() error {
	var p Problems
	checkText(&p, "name", s.Name, maxTitle)
	return p.Err()
}

// Discovery is an insight or problem that feedback points at. Discoveries form a tree
// through ParentID.
type Discovery struct {
	ID               string
	ClientID         string // "disc_…"
	WorkspaceID      string
	Title            string
	Description      *string
	DiscoveryStateID *string
	ParentID         *string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// DiscoveryInput is what creating a discovery takes.
type DiscoveryInput struct {
	Title            string
	Description      *string
	DiscoveryStateID *string
	ParentID         *string
}

// Discovery returns the discovery the input describes, not yet stored.
func (in DiscoveryInput) Discovery() Discovery {
	return Discovery{Title: in.Title, Description: in.Description, DiscoveryStateID: in.DiscoveryStateID, ParentID: in.ParentID}
}

// DiscoveryPatch is a partial update of a discovery.
type DiscoveryPatch struct {
	Title            Field[string]
	Description      Field[string]
	DiscoveryStateID Field[string]
	ParentID         Field[string]
}

// Apply applies the patch to d and validates the result.
func (p DiscoveryPatch) Apply(d *Discovery) error {
	var problems Problems
	applyRequired(p.Title, &d.Title, "title", &problems)
	applyOptional(p.Description, &d.Description)
	applyOptional(p.DiscoveryStateID, &d.DiscoveryStateID)
	applyOptional(p.ParentID, &d.ParentID)
	if err := problems.Err(); err != nil {
		return err
	}
	return d.Validate()
}

// Validate reports every field of d that is not valid. References and cycles are checked
// by the store.
func (d *Discovery) Validate() error {
	var p Problems
	checkText(&p, "title", d.Title, maxTitle)
	checkOptionalText(&p, "description", d.Description, maxContent)
	if d.ParentID != nil && d.ID != "" && *d.ParentID == d.ID {
		p.Add("parentId", "a discovery cannot be its own parent")
	}
	return p.Err()
}

// DiscoveryStateService stores discovery states.
type DiscoveryStateService interface {
	CreateDiscoveryState(ctx context.Context, workspaceID string, in DiscoveryStateInput) (*DiscoveryState, error)
	DiscoveryState(ctx context.Context, workspaceID, id string) (*DiscoveryState, error)
	DiscoveryStates(ctx context.Context, workspaceID string, p ListParams) (*Page[DiscoveryState], error)
	UpdateDiscoveryState(ctx context.Context, workspaceID, id string, p DiscoveryStatePatch) (*DiscoveryState, error)
}

// DiscoveryService stores discoveries. Every create and every update that changes
// something commits a DISCOVERY_CREATED or DISCOVERY_UPDATED event with it.
type DiscoveryService interface {
	CreateDiscovery(ctx context.Context, workspaceID string, in DiscoveryInput) (*Discovery, error)
	Discovery(ctx context.Context, workspaceID, id string) (*Discovery, error)
	Discoveries(ctx context.Context, workspaceID string, p ListParams) (*Page[Discovery], error)
	UpdateDiscovery(ctx context.Context, workspaceID, id string, p DiscoveryPatch) (*Discovery, error)
}
