package httpapi

import (
	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
	"github.com/feedwire/feedwire/wire"
)

// componentBody is a component as the API shows it: the data of its webhook events, and
// its object name.
type componentBody struct {
	Object string `json:"object" enum:"component"`
	webhook.Component
}

func newComponentBody(c *feedwire.Component) componentBody {
	return componentBody{Object: "component", Component: wire.HarvestrComponent(c)}
}

type createComponentInput struct {
	Body struct {
		Title       string  `json:"title"`
		Description *string `json:"description,omitempty"`
		ParentID    *string `json:"parentId,omitempty" doc:"The parent component, for a tree"`
	}
}

func (in *createComponentInput) input() feedwire.ComponentInput {
	b := in.Body
	return feedwire.ComponentInput{Title: b.Title, Description: b.Description, ParentID: b.ParentID}
}

type componentPatchBody struct {
	Title       patchField[string] `json:"title,omitzero"`
	Description patchField[string] `json:"description,omitzero" nullable:"true"`
	ParentID    patchField[string] `json:"parentId,omitzero" nullable:"true"`
}

func (b componentPatchBody) patch() feedwire.ComponentPatch {
	return feedwire.ComponentPatch{Title: b.Title.field(), Description: b.Description.field(), ParentID: b.ParentID.field()}
}
