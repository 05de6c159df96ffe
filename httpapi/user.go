package httpapi

import (
	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// userBody is a user as the API shows it.
type userBody struct {
	Object         string       `json:"object" enum:"user"`
	ID             string       `json:"id"`
	Name           string       `json:"name"`
	Email          *string      `json:"email" nullable:"true"`
	Type           string       `json:"type" enum:"admin,customer,lead,bot"`
	ProfilePicture *string      `json:"profilePicture" nullable:"true"`
	CreatedAt      webhook.Time `json:"createdAt"`
	UpdatedAt      webhook.Time `json:"updatedAt"`
}

func newUserBody(u *feedwire.User) userBody {
	return userBody{
		Object: "user", ID: u.ID, Name: u.Name, Email: u.Email, Type: string(u.Type),
		ProfilePicture: u.ProfilePicture, CreatedAt: webhook.NewTime(u.CreatedAt), UpdatedAt: webhook.NewTime(u.UpdatedAt),
	}
}

type createUserInput struct {
	Body struct {
		Name           string            `json:"name" doc:"Full name"`
		Email          *string           `json:"email,omitempty" format:"email"`
		Type           feedwire.UserType `json:"type" enum:"admin,customer,lead,bot" doc:"Admins are the team; everyone else is a contact"`
		ProfilePicture *string           `json:"profilePicture,omitempty" doc:"URL of an avatar"`
	}
}

func (in *createUserInput) input() feedwire.UserInput {
	b := in.Body
	return feedwire.UserInput{Name: b.Name, Email: b.Email, Type: b.Type, ProfilePicture: b.ProfilePicture}
}

type userPatchBody struct {
	Name           patchField[string]            `json:"name,omitzero"`
	Email          patchField[string]            `json:"email,omitzero" nullable:"true"`
	Type           patchField[feedwire.UserType] `json:"type,omitzero" enum:"admin,customer,lead,bot"`
	ProfilePicture patchField[string]            `json:"profilePicture,omitzero" nullable:"true"`
}

func (b userPatchBody) patch() feedwire.UserPatch {
	return feedwire.UserPatch{Name: b.Name.field(), Email: b.Email.field(), Type: b.Type.field(), ProfilePicture: b.ProfilePicture.field()}
}
