package wire

import (
	"reflect"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// postExamples are the examples of the post, vote, comment and changelog topics.
func postExamples() []featurebaseExample {
	post := examplePost()
	return []featurebaseExample{
		{"post.created", reflect.TypeFor[webhook.Post](), func() (*feedwire.Event, error) {
			return FeaturebaseEvent("post.created", "post", nil, post)
		}},
	}
}

func examplePost() webhook.Post {
	created := webhook.NewTime(exampleTime("2025-01-15T09:00:00.000Z"))
	return webhook.Post{
		Object: "post", ID: "65a1f0c2e4b3d5a6c7e8f9a1", Slug: "dark-mode",
		PostURL: "https://feedback.example.com/p/dark-mode",
		Title:   "Dark mode", Content: "<p>Please add a dark mode to the dashboard.</p>",
		BoardID: "65a1f0c2e4b3d5a6c7e8f9b2",
		Author: &webhook.Author{ID: "65a1f0c2e4b3d5a6c7e8f9c3", Name: "Ada Lovelace",
			Email: ptr("ada@example.com"), Type: "customer"},
		Status: &webhook.PostStatus{Object: "post_status", ID: "65a1f0c2e4b3d5a6c7e8f9d4",
			Name: "In Review", Color: "Sky", Type: "reviewing", IsDefault: true},
		Tags: []string{}, Upvotes: 1,
		Features:     webhook.PostFeatures{CommentsEnabled: true},
		Access:       webhook.PostAccess{UserIDs: []string{}, CompanyExternalIDs: []string{}},
		CustomFields: map[string]any{},
		CreatedAt:    created, UpdatedAt: created,
	}
}
