package feedwire_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/feedwire/feedwire"
)

func validMessage() feedwire.Message {
	return feedwire.Message{Title: "Export", Content: "Please", Channel: "MAIL", RequesterID: "u1", SubmitterID: "u1"}
}

func TestMessagePatchApply(t *testing.T) {
	tests := []struct {
		name        string
		patch       feedwire.MessagePatch
		wantUpdated bool
		wantFields  []string // fields with problems; nil for none
	}{
		{"title edit", feedwire.MessagePatch{Title: feedwire.Set("Export all")}, true, nil},
		{"content edit", feedwire.MessagePatch{Content: feedwire.Set("Now please")}, true, nil},
		{"same title", feedwire.MessagePatch{Title: feedwire.Set("Export")}, false, nil},
		{"triage", feedwire.MessagePatch{Read: feedwire.Set(true), Bin: feedwire.Set(true), AssigneeID: feedwire.Set("u2")}, false, nil},
		{"null required", feedwire.MessagePatch{Title: feedwire.Null[string](), Read: feedwire.Null[bool]()}, false, []string{"title", "read"}},
		{"blank title", feedwire.MessagePatch{Title: feedwire.Set("   ")}, true, []string{"title"}},
		{"unknown channel", feedwire.MessagePatch{Channel: feedwire.Set[feedwire.Channel]("FAX")}, false, []string{"channel"}},
		{"relative url", feedwire.MessagePatch{IntegrationURL: feedwire.Set("/conversations/1")}, false, []string{"integrationUrl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validMessage()
			err := tt.patch.Apply(&m)
			if got := fieldsOf(err); !slices.Equal(got, tt.wantFields) {
				t.Fatalf("got problems with %v (%v), want %v", got, err, tt.wantFields)
			}
			if err == nil && m.Updated != tt.wantUpdated {
				t.Errorf("got updated %v, want %v", m.Updated, tt.wantUpdated)
			}
		})
	}
}

func TestMessagePatchClearsOptional(t *testing.T) {
	m := validMessage()
	m.AssigneeID = new(string)
	if err := (feedwire.MessagePatch{AssigneeID: feedwire.Null[string]()}).Apply(&m); err != nil || m.AssigneeID != nil {
		t.Errorf("got assignee %v, err %v; want nil, nil", m.AssigneeID, err)
	}
}

func TestUserValidate(t *testing.T) {
	tests := []struct {
		name       string
		user       feedwire.User
		wantFields []string
	}{
		{"fine", feedwire.User{Name: "Ada", Type: feedwire.UserAdmin}, nil},
		{"everything wrong", feedwire.User{Email: ptr("ada"), Type: "owner", ProfilePicture: ptr("avatar.png")},
			[]string{"name", "email", "type", "profilePicture"}},
		{"display name in email", feedwire.User{Name: "Ada", Type: feedwire.UserLead, Email: ptr("Ada <ada@example.com>")}, []string{"email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fieldsOf(tt.user.Validate()); !slices.Equal(got, tt.wantFields) {
				t.Errorf("got problems with %v, want %v", got, tt.wantFields)
			}
		})
	}
}

// fieldsOf returns the fields an ErrInvalid error names, or nil for no error.
func fieldsOf(err error) []string {
	var fe *feedwire.Error
	if !errors.As(err, &fe) {
		return nil
	}
	var fields []string
	for _, p := range fe.Problems {
		fields = append(fields, p.Field)
	}
	return fields
}

func ptr[T any](v T) *T { return &v }
