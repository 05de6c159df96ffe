package httpapi

import (
	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
	"github.com/feedwire/feedwire/wire"
)

// discoveryStateBody is a discovery state as the API shows it.
type discoveryStateBody struct {
	Object    string       `json:"object" enum:"discovery_state"`
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	CreatedAt webhook.Time `json:"createdAt"`
	UpdatedAt webhook.Time `json:"updatedAt"`
}

func newDiscoveryStateBody(s *feedwire.DiscoveryState) discoveryStateBody {
	return discoveryStateBody{Object: "discovery_state", ID: s.ID, Name: s.Name,
		CreatedAt: webhook.NewTime(s.CreatedAt), UpdatedAt: webhook.NewTime(s.UpdatedAt)}
}

type createDiscoveryStateInput struct {
	Body struct {
		Name string `json:"name" doc:"Such as \"To review\" or \"Validated\""`
	}
}

func (in *createDiscoveryStateInput) input() feedwire.DiscoveryStateInput {
	return feedwire.DiscoveryStateInput{Name: in.Body.Name}
}

type discoveryStatePatchBody struct {
	Name patchField[string] `json:"name,omitzero"`
}

func (b discoveryStatePatchBody) patch() feedwire.DiscoveryStatePatch {
	return feedwire.DiscoveryStatePatch{Name: b.Name.field()}
}

// discoveryBody is a discovery as the API shows it: the data of its webhook events, and
// its object name.
type discoveryBody struct {
	Object string `json:"object" enum:"discovery"`
	webhook.Discovery
}

func newDiscoveryBody(d *feedwire.Discovery) discoveryBody {
	return discoveryBody{Object: "discovery", Discovery: wire.HarvestrDiscovery(d)}
}

type createDiscoveryInput struct {
	Body struct {
		Title            string  `json:"title"`
		Description      *string `json:"description,omitempty"`
		DiscoveryStateID *string `json:"discoveryStateId,omitempty"`
		ParentID         *string `json:"parentId,omitempty" doc:"The parent discovery, for a tree"`
	}
}

func (in *createDiscoveryInput) input() feedwire.DiscoveryInput {
	b := in.Body
	return feedwire.DiscoveryInput{Title: b.Title, Description: b.Description, DiscoveryStateID: b.DiscoveryStateID, ParentID: b.ParentID}
}

type discoveryPatchBody struct {
	Title            patchField[string] `json:"title,omitzero"`
	Description      patchField[string] `json:"description,omitzero" nullable:"true"`
	DiscoveryStateID patchField[string] `json:"discoveryStateId,omitzero" nullable:"true"`
	ParentID         patchField[string] `json:"parentId,omitzero" nullable:"true"`
}

func (b discoveryPatchBody) patch() feedwire.DiscoveryPatch {
	return feedwire.DiscoveryPatch{Title: b.Title.field(), Description: b.Description.field(),
		DiscoveryStateID: b.DiscoveryStateID.field(), ParentID: b.ParentID.field()}
}
