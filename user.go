package feedwire

import (
	"context"
	"net/mail"
	"slices"
	"time"
)

// UserType says who a user is. Admins are the team; everyone else is a contact.
type UserType string

// The user types.
const (
	UserAdmin    UserType = "admin"
	UserCustomer UserType = "customer"
	UserLead     UserType = "lead"
	UserBot      UserType = "bot"
)

// IsContact reports whether users of type t are contacts, the people the team talks
// with: customers and leads.
func (t UserType) IsContact() bool { return t == UserCustomer || t == UserLead }

// UserTypes lists every valid UserType.
var UserTypes = []UserType{UserAdmin, UserCustomer, UserLead, UserBot}

// User is a person or bot that requests, submits, is assigned, authors or votes.
type User struct {
	ID             string
	WorkspaceID    string
	Name           string
	Email          *string
	Type           UserType
	ProfilePicture *string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// UserInput is what creating a user takes.
type UserInput struct {
	Name           string
	Email          *string
	Type           UserType
	ProfilePicture *string
}

// User returns the user the input describes, not yet stored.
func (in UserInput) User() User {
	return User{Name: in.Name, Email: in.Email, Type: in.Type, ProfilePicture: in.ProfilePicture}
}

// UserPatch is a partial update of a user.
type UserPatch struct {
	Name           Field[string]
	Email          Field[string]
	Type           Field[UserType]
	ProfilePicture Field[string]
}

// Apply applies the patch to u and validates the result.
func (p UserPatch) Apply(u *User) error {
	var problems Problems
	applyRequired(p.Name, &u.Name, "name", &problems)
	applyOptional(p.Email, &u.Email)
	applyRequired(p.Type, &u.Type, "type", &problems)
	applyOptional(p.ProfilePicture, &u.ProfilePicture)
	if err := problems.Err(); err != nil {
		return err
	}
	return u.Validate()
}

// Validate reports every field of u that is not valid.
func (u *User) Validate() error {
	var p Problems
	checkText(&p, "name", u.Name, maxTitle)
	if u.Email != nil {
		if a, err := mail.ParseAddress(*u.Email); err != nil || a.Address != *u.Email {
			p.Add("email", "must be an email address such as ada@example.com")
		}
	}
	if !slices.Contains(UserTypes, u.Type) {
		p.Add("type", "must be one of admin, customer, lead, bot")
	}
	if u.ProfilePicture != nil {
		checkURL(&p, "profilePicture", *u.ProfilePicture)
	}
	return p.Err()
}

// UserService stores users.
type UserService interface {
	CreateUser(ctx context.Context, workspaceID string, in UserInput) (*User, error)
	User(ctx context.Context, workspaceID, id string) (*User, error)
	Users(ctx context.Context, workspaceID string, p ListParams) (*Page[User], error)
	UpdateUser(ctx context.Context, workspaceID, id string, p UserPatch) (*User, error)
}
