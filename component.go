package feedwire

import (
	"context"
	"time"
)

// Component is a part of the product, such as "Dashboard". Components form a tree
// through ParentID.
type Component struct {
	ID          string
	ClientID    string // "comp_…"
	WorkspaceID string
	Title       string
	Description *string
	ParentID    *string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ComponentInput is what creating a component takes.
type ComponentInput struct {
	Title       string
	Description *string
	ParentID    *string
}

// Component returns the component the input describes, not yet stored.
func (in ComponentInput) Component() Component {
	return Component{Title: in.Title, Description: in.Description, ParentID: in.ParentID}
}

// ComponentPatch is a partial update of a component.
type ComponentPatch struct {
	Title       Field[string]
	Description Field[string]
	ParentID    Field[string]
}

// Apply applies the patch to c and validates the result.
func (p ComponentPatch) Apply(c *Component) error {
	var problems Problems
	applyRequired(p.Title, &c.Title, "title", &problems)
	applyOptional(p.Description, &c.Description)
	applyOptional(p.ParentID, &c.ParentID)
	if err := problems.Err(); err != nil {
		return err
	}
	return c.Validate()
}

// Validate reports every field of c that is not valid. References and cycles are checked
// by the store.
func (c *Component) Validate() error {
	var p Problems
	checkText(&p, "title", c.Title, maxTitle)
	checkOptionalText(&p, "description", c.Description, maxContent)
	if c.ParentID != nil && c.ID != "" && *c.ParentID == c.ID {
		p.Add("parentId", "a component cannot be its own parent")
	}
	return p.Err()
}

// ComponentService stores components. Every create and every update that changes
// something commits a COMPONENT_CREATED or COMPONENT_UPDATED event with it.
type ComponentService interface {
	CreateComponent(ctx context.Context, workspaceID string, in ComponentInput) (*Component, error)
	Component(ctx context.Context, workspaceID, id string) (*Component, error)
	Components(ctx context.Context, workspaceID string, p ListParams) (*Page[Component], error)
	UpdateComponent(ctx context.Context, workspaceID, id string, p ComponentPatch) (*Component, error)
}
