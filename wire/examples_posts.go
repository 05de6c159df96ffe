package wire

import (
	"reflect"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
)

// postExamples are the examples of the post, vote, comment and changelog topics.
func postExamples() []featurebaseExample {
	post := reflect.TypeFor[webhook.Post]()
	comment := reflect.TypeFor[webhook.Comment]()
	return []featurebaseExample{
		{"post.created", post, func() (*feedwire.Event, error) {
			p := examplePost()
			return PostEvent("post.created", nil, &p)
		}},
		{"post.updated", post, func() (*feedwire.Event, error) {
			before, after := examplePost(), examplePost()
			completed := &feedwire.PostStatus{ID: "65a1f0c2e4b3d5a6c7e8f9d7", Name: "Completed", Color: "Green", Type: "completed"}
			after.Title, after.StatusID, after.Status = "Dark mode for the dashboard", completed.ID, completed
			after.UpdatedAt = exampleTime("2025-01-20T16:00:00.000Z")
			return PostEvent("post.updated", &before, &after)
		}},
		{"post.deleted", post, func() (*feedwire.Event, error) {
			p := examplePost()
			return PostEvent("post.deleted", nil, &p)
		}},
		{"post.voted", reflect.TypeFor[webhook.PostVote](), func() (*feedwire.Event, error) {
			voter := exampleVoter()
			return VoteEvent(examplePost().ID, &voter, feedwire.VoteAdd)
		}},
		{"changelog.published", reflect.TypeFor[webhook.Changelog](), func() (*feedwire.Event, error) {
			c := exampleChangelog()
			return ChangelogPublishedEvent(&c, "en", true)
		}},
		{"comment.created", comment, func() (*feedwire.Event, error) {
			c := exampleComment()
			return CommentEvent("comment.created", nil, &c)
		}},
		{"comment.updated", comment, func() (*feedwire.Event, error) {
			before, after := exampleComment(), exampleComment()
			after.Content, after.UpdatedAt = "<p>Yes please, my eyes hurt at night!</p>", exampleTime("2025-01-16T08:05:00.000Z")
			return CommentEvent("comment.updated", &before, &after)
		}},
		{"comment.deleted", comment, func() (*feedwire.Event, error) {
			c := exampleComment()
			return CommentEvent("comment.deleted", nil, &c)
		}},
	}
}

func examplePost() feedwire.Post {
	created := exampleTime("2025-01-15T09:00:00.000Z")
	author := feedwire.User{ID: "65a1f0c2e4b3d5a6c7e8f9c3", Name: "Ada Lovelace", Email: ptr("ada@example.com"), Type: feedwire.UserCustomer}
	status := feedwire.PostStatus{ID: "65a1f0c2e4b3d5a6c7e8f9d4", Name: "In Review", Color: "Sky", Type: "reviewing", IsDefault: true}
	return feedwire.Post{
		ID: "65a1f0c2e4b3d5a6c7e8f9a1", WorkspaceID: exampleOrganizationID, Slug: "dark-mode",
		URL:   "https://feedback.example.com/p/dark-mode",
		Title: "Dark mode", Content: "<p>Please add a dark mode to the dashboard.</p>",
		BoardID: "65a1f0c2e4b3d5a6c7e8f9b2", AuthorID: author.ID, StatusID: status.ID,
		Tags: []string{"ui"}, Upvotes: 1, CommentCount: 1, CustomFields: map[string]any{},
		CreatedAt: created, UpdatedAt: created, Author: &author, Status: &status,
	}
}

func exampleVoter() feedwire.User {
	return feedwire.User{ID: "65a1f0c2e4b3d5a6c7e8f9c5", Name: "Ann Lee", Email: ptr("ann@example.com"), Type: feedwire.UserLead}
}

func exampleComment() feedwire.Comment {
	created := exampleTime("2025-01-16T08:00:00.000Z")
	author := exampleVoter()
	return feedwire.Comment{
		ID: "65a1f0c2e4b3d5a6c7e8f9e6", WorkspaceID: exampleOrganizationID, PostID: examplePost().ID,
		Content: "<p>Yes please!</p>", AuthorID: author.ID, CreatedAt: created, UpdatedAt: created, Author: &author,
	}
}

func exampleChangelog() feedwire.Changelog {
	created := exampleTime("2025-01-20T15:00:00.000Z")
	published := exampleTime("2025-01-20T16:00:00.000Z")
	return feedwire.Changelog{
		ID: "65a1f0c2e4b3d5a6c7e8f9f7", WorkspaceID: exampleOrganizationID, Slug: "dark-mode-is-here",
		Title: "Dark mode is here", Content: "<p>Switch it on in your settings.</p>",
		MarkdownContent: "Switch it on in your settings.",
		FeaturedImage:   ptr("https://feedback.example.com/images/dark-mode.png"),
		Categories: []feedwire.ChangelogCategory{{ID: "65a1f0c2e4b3d5a6c7e8f9f8", Name: "New",
			SendEmailNotification: true}},
		PublishedLocales: []string{"en"}, PublishedAt: &published, CreatedAt: created, UpdatedAt: published,
	}
}
