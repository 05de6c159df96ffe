package httpapi

import (
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

// addRoutes is the whole API surface, top to bottom.
func addRoutes(mux *http.ServeMux, api huma.API, s *server, svc Services, catalog []wire.EventType) {
	mux.Handle("GET /healthz", handleHealth(svc.Ping))

	register(api, s, op("create-user", http.MethodPost, "/v1/users", "Create a user", "Users"),
		createOne(svc.Users.CreateUser, (*createUserInput).input, newUserBody))
	register(api, s, op("list-users", http.MethodGet, "/v1/users", "List users", "Users"),
		listAll(svc.Users.Users, newUserBody))
	register(api, s, op("get-user", http.MethodGet, "/v1/users/{id}", "Get a user", "Users"),
		getOne(svc.Users.User, newUserBody))
	register(api, s, op("update-user", http.MethodPatch, "/v1/users/{id}", "Update a user", "Users"),
		updateOne[feedwire.UserPatch, userPatchBody](svc.Users.UpdateUser, newUserBody))

	register(api, s, op("create-message", http.MethodPost, "/v1/messages", "Create a message (MESSAGE_CREATED)", "Messages"),
		createOne(svc.Messages.CreateMessage, (*createMessageInput).input, newMessageBody))
	register(api, s, op("list-messages", http.MethodGet, "/v1/messages", "List messages", "Messages"),
		listAll(svc.Messages.Messages, newMessageBody))
	register(api, s, op("get-message", http.MethodGet, "/v1/messages/{id}", "Get a message", "Messages"),
		getOne(svc.Messages.Message, newMessageBody))
	register(api, s, op("update-message", http.MethodPatch, "/v1/messages/{id}", "Update a message (MESSAGE_UPDATED)", "Messages"),
		updateOne[feedwire.MessagePatch, messagePatchBody](svc.Messages.UpdateMessage, newMessageBody))

	register(api, s, op("create-discovery-state", http.MethodPost, "/v1/discovery-states", "Create a discovery state", "Discovery states"),
		createOne(svc.DiscoveryStates.CreateDiscoveryState, (*createDiscoveryStateInput).input, newDiscoveryStateBody))
	register(api, s, op("list-discovery-states", http.MethodGet, "/v1/discovery-states", "List discovery states", "Discovery states"),
		listAll(svc.DiscoveryStates.DiscoveryStates, newDiscoveryStateBody))
	register(api, s, op("get-discovery-state", http.MethodGet, "/v1/discovery-states/{id}", "Get a discovery state", "Discovery states"),
		getOne(svc.DiscoveryStates.DiscoveryState, newDiscoveryStateBody))
	register(api, s, op("update-discovery-state", http.MethodPatch, "/v1/discovery-states/{id}", "Update a discovery state", "Discovery states"),
		updateOne[feedwire.DiscoveryStatePatch, discoveryStatePatchBody](svc.DiscoveryStates.UpdateDiscoveryState, newDiscoveryStateBody))

	register(api, s, op("create-discovery", http.MethodPost, "/v1/discoveries", "Create a discovery (DISCOVERY_CREATED)", "Discoveries"),
		createOne(svc.Discoveries.CreateDiscovery, (*createDiscoveryInput).input, newDiscoveryBody))
	register(api, s, op("list-discoveries", http.MethodGet, "/v1/discoveries", "List discoveries", "Discoveries"),
		listAll(svc.Discoveries.Discoveries, newDiscoveryBody))
	register(api, s, op("get-discovery", http.MethodGet, "/v1/discoveries/{id}", "Get a discovery", "Discoveries"),
		getOne(svc.Discoveries.Discovery, newDiscoveryBody))
	register(api, s, op("update-discovery", http.MethodPatch, "/v1/discoveries/{id}", "Update a discovery (DISCOVERY_UPDATED)", "Discoveries"),
		updateOne[feedwire.DiscoveryPatch, discoveryPatchBody](svc.Discoveries.UpdateDiscovery, newDiscoveryBody))

	register(api, s, op("create-component", http.MethodPost, "/v1/components", "Create a component (COMPONENT_CREATED)", "Components"),
		createOne(svc.Components.CreateComponent, (*createComponentInput).input, newComponentBody))
	register(api, s, op("list-components", http.MethodGet, "/v1/components", "List components", "Components"),
		listAll(svc.Components.Components, newComponentBody))
	register(api, s, op("get-component", http.MethodGet, "/v1/components/{id}", "Get a component", "Components"),
		getOne(svc.Components.Component, newComponentBody))
	register(api, s, op("update-component", http.MethodPatch, "/v1/components/{id}", "Update a component (COMPONENT_UPDATED)", "Components"),
		updateOne[feedwire.ComponentPatch, componentPatchBody](svc.Components.UpdateComponent, newComponentBody))

	register(api, s, op("create-feedback", http.MethodPost, "/v1/feedback", "Link a message to a discovery (FEEDBACK_CREATED)", "Feedback"),
		createOne(svc.Feedback.CreateFeedback, (*createFeedbackInput).input, newFeedbackBody))
	register(api, s, op("list-feedback", http.MethodGet, "/v1/feedback", "List feedback", "Feedback"),
		listAll(svc.Feedback.FeedbackList, newFeedbackBody))
	register(api, s, op("get-feedback", http.MethodGet, "/v1/feedback/{id}", "Get feedback", "Feedback"),
		getOne(svc.Feedback.Feedback, newFeedbackBody))
	register(api, s, op("update-feedback", http.MethodPatch, "/v1/feedback/{id}", "Update feedback (FEEDBACK_UPDATED)", "Feedback"),
		updateOne[feedwire.FeedbackPatch, feedbackPatchBody](svc.Feedback.UpdateFeedback, newFeedbackBody))

	register(api, s, op("list-api-keys", http.MethodGet, "/v1/api-keys", "List the workspace's API keys, by prefix; never the keys themselves", "API keys"),
		listAll(svc.Workspaces.APIKeys, newAPIKeyBody))
	register(api, s, op("create-api-key", http.MethodPost, "/v1/api-keys", "Create an API key; the answer is the only time it is shown", "API keys"),
		createAPIKey(svc.Workspaces))
	register(api, s, op("get-api-key", http.MethodGet, "/v1/api-keys/{id}", "Get an API key, by prefix", "API keys"),
		getOne(svc.Workspaces.APIKey, newAPIKeyBody))
	register(api, s, op("revoke-api-key", http.MethodDelete, "/v1/api-keys/{id}", "Revoke an API key at once, even the one calling", "API keys"),
		revokeAPIKey(svc.Workspaces))
	register(api, s, op("rotate-api-key", http.MethodPost, "/v1/api-keys/{id}/rotate", "Replace an API key with a new one, shown once; the old one stops after gracePeriod", "API keys"),
		rotateAPIKey(svc.Workspaces))

	register(api, s, op("create-webhook", http.MethodPost, "/v1/webhooks", "Register a webhook", "Webhooks"),
		createWebhook(svc.Webhooks))
	register(api, s, op("list-webhooks", http.MethodGet, "/v1/webhooks", "List webhooks", "Webhooks"),
		listAll(svc.Webhooks.Webhooks, newWebhookBody))
	register(api, s, op("get-webhook", http.MethodGet, "/v1/webhooks/{id}", "Get a webhook", "Webhooks"),
		getOne(svc.Webhooks.Webhook, newWebhookBody))
	register(api, s, op("update-webhook", http.MethodPatch, "/v1/webhooks/{id}", "Update, pause or reactivate a webhook", "Webhooks"),
		updateWebhook(svc.Webhooks))
	register(api, s, op("delete-webhook", http.MethodDelete, "/v1/webhooks/{id}", "Delete a webhook and its deliveries", "Webhooks"),
		deleteOne("webhook", svc.Webhooks.DeleteWebhook))
	register(api, s, op("rotate-webhook-secret", http.MethodPost, "/v1/webhooks/{id}/secret", "Rotate a webhook's secret; the answer shows the new one", "Webhooks"),
		rotateSecret(svc.Webhooks))
	register(api, s, op("reveal-webhook-secret", http.MethodGet, "/v1/webhooks/{id}/secret", "Show a webhook's secret, which no other read shows", "Webhooks"),
		revealSecret(svc.Webhooks))
	register(api, s, accepted(op("test-webhook", http.MethodPost, "/v1/webhooks/{id}/test", "Send an example event", "Webhooks")),
		testWebhook(svc.Webhooks))
	register(api, s, op("test-webhook-filter", http.MethodPost, "/v1/webhooks/{id}/filter/test", "Tell whether a payload passes the webhook's filter, or a candidate filter", "Webhooks"),
		testFilter(svc.Webhooks))
	register(api, s, accepted(op("recover-webhook", http.MethodPost, "/v1/webhooks/{id}/recover", "Retry the failed deliveries of a time range and send the events missed while paused or suspended", "Webhooks")),
		startJob(svc.Jobs, feedwire.JobRecover))
	register(api, s, accepted(op("replay-webhook", http.MethodPost, "/v1/webhooks/{id}/replay", "Send every event of a time range again", "Webhooks")),
		startJob(svc.Jobs, feedwire.JobReplay))
	register(api, s, op("get-job", http.MethodGet, "/v1/jobs/{id}", "Get a background job's progress", "Webhooks"),
		getJob(svc.Jobs))

	register(api, s, op("list-deliveries", http.MethodGet, "/v1/deliveries", "List deliveries, newest first", "Deliveries"),
		listDeliveries(svc.Deliveries))
	register(api, s, op("get-delivery", http.MethodGet, "/v1/deliveries/{id}", "Get a delivery with its attempts", "Deliveries"),
		getDelivery(svc.Deliveries))
	register(api, s, op("retry-delivery", http.MethodPost, "/v1/deliveries/{id}/retry", "Attempt a delivery again now", "Deliveries"),
		retryDelivery(svc.Deliveries))

	register(api, s, op("create-board", http.MethodPost, "/v1/boards", "Create a board", "Boards"),
		createOne(svc.Boards.CreateBoard, (*createBoardInput).input, newBoardBody))
	register(api, s, op("list-boards", http.MethodGet, "/v1/boards", "List boards", "Boards"),
		listAll(svc.Boards.Boards, newBoardBody))
	register(api, s, op("get-board", http.MethodGet, "/v1/boards/{id}", "Get a board", "Boards"),
		getOne(svc.Boards.Board, newBoardBody))
	register(api, s, op("update-board", http.MethodPatch, "/v1/boards/{id}", "Update a board", "Boards"),
		updateOne[feedwire.BoardPatch, boardPatchBody](svc.Boards.UpdateBoard, newBoardBody))

	register(api, s, op("create-post-status", http.MethodPost, "/v1/post-statuses", "Create a post status", "Post statuses"),
		createOne(svc.Boards.CreatePostStatus, (*createPostStatusInput).input, newPostStatusBody))
	register(api, s, op("list-post-statuses", http.MethodGet, "/v1/post-statuses", "List post statuses", "Post statuses"),
		listAll(svc.Boards.PostStatuses, newPostStatusBody))
	register(api, s, op("get-post-status", http.MethodGet, "/v1/post-statuses/{id}", "Get a post status", "Post statuses"),
		getOne(svc.Boards.PostStatus, newPostStatusBody))
	register(api, s, op("update-post-status", http.MethodPatch, "/v1/post-statuses/{id}", "Update a post status, or make it the default", "Post statuses"),
		updateOne[feedwire.PostStatusPatch, postStatusPatchBody](svc.Boards.UpdatePostStatus, newPostStatusBody))

	register(api, s, op("create-post", http.MethodPost, "/v1/posts", "Create a post (post.created)", "Posts"),
		createOne(svc.Posts.CreatePost, (*createPostInput).input, newPostBody))
	register(api, s, op("list-posts", http.MethodGet, "/v1/posts", "List posts", "Posts"),
		listAll(svc.Posts.Posts, newPostBody))
	register(api, s, op("get-post", http.MethodGet, "/v1/posts/{id}", "Get a post", "Posts"),
		getOne(svc.Posts.Post, newPostBody))
	register(api, s, op("update-post", http.MethodPatch, "/v1/posts/{id}", "Update a post (post.updated)", "Posts"),
		updateOne[feedwire.PostPatch, postPatchBody](svc.Posts.UpdatePost, newPostBody))
	register(api, s, op("delete-post", http.MethodDelete, "/v1/posts/{id}", "Delete a post with its votes and comments (post.deleted)", "Posts"),
		deleteOne("post", svc.Posts.DeletePost))
	register(api, s, op("add-vote", http.MethodPost, "/v1/posts/{id}/votes", "Upvote a post (post.voted add); a second vote changes nothing", "Posts"),
		addVote(svc.Posts))
	register(api, s, op("remove-vote", http.MethodDelete, "/v1/posts/{id}/votes/{voterId}", "Remove an upvote (post.voted remove)", "Posts"),
		removeVote(svc.Posts))

	register(api, s, op("create-comment", http.MethodPost, "/v1/comments", "Comment on a post (comment.created)", "Comments"),
		createOne(svc.Comments.CreateComment, (*createCommentInput).input, newCommentBody))
	register(api, s, op("list-comments", http.MethodGet, "/v1/comments", "List comments", "Comments"),
		listComments(svc.Comments))
	register(api, s, op("get-comment", http.MethodGet, "/v1/comments/{id}", "Get a comment", "Comments"),
		getOne(svc.Comments.Comment, newCommentBody))
	register(api, s, op("update-comment", http.MethodPatch, "/v1/comments/{id}", "Update a comment (comment.updated)", "Comments"),
		updateOne[feedwire.CommentPatch, commentPatchBody](svc.Comments.UpdateComment, newCommentBody))
	register(api, s, op("delete-comment", http.MethodDelete, "/v1/comments/{id}", "Delete a comment with its replies (comment.deleted)", "Comments"),
		deleteOne("comment", svc.Comments.DeleteComment))

	register(api, s, op("create-changelog", http.MethodPost, "/v1/changelogs", "Create a changelog draft", "Changelogs"),
		createOne(svc.Changelogs.CreateChangelog, (*createChangelogInput).input, newChangelogBody))
	register(api, s, op("list-changelogs", http.MethodGet, "/v1/changelogs", "List changelogs", "Changelogs"),
		listAll(svc.Changelogs.Changelogs, newChangelogBody))
	register(api, s, op("get-changelog", http.MethodGet, "/v1/changelogs/{id}", "Get a changelog", "Changelogs"),
		getOne(svc.Changelogs.Changelog, newChangelogBody))
	register(api, s, op("update-changelog", http.MethodPatch, "/v1/changelogs/{id}", "Update a changelog", "Changelogs"),
		updateOne[feedwire.ChangelogPatch, changelogPatchBody](svc.Changelogs.UpdateChangelog, newChangelogBody))
	register(api, s, op("publish-changelog", http.MethodPost, "/v1/changelogs/{id}/publish", "Publish a changelog in a locale (changelog.published)", "Changelogs"),
		publishChangelog(svc.Changelogs))

	register(api, s, op("create-conversation", http.MethodPost, "/v1/conversations", "A contact starts a conversation (conversation.user.created)", "Conversations"),
		createOne(svc.Conversations.CreateConversation, (*createConversationInput).input, newConversationBody))
	register(api, s, op("list-conversations", http.MethodGet, "/v1/conversations", "List conversations", "Conversations"),
		listAll(svc.Conversations.Conversations, newConversationBody))
	register(api, s, op("get-conversation", http.MethodGet, "/v1/conversations/{id}", "Get a conversation", "Conversations"),
		getOne(svc.Conversations.Conversation, newConversationBody))
	register(api, s, op("update-conversation", http.MethodPatch, "/v1/conversations/{id}", "Close, open, snooze, assign, prioritize or hand over a conversation", "Conversations"),
		updateOne[feedwire.ConversationPatch, conversationPatchBody](svc.Conversations.UpdateConversation, newConversationBody))
	register(api, s, op("delete-conversation", http.MethodDelete, "/v1/conversations/{id}", "Delete a conversation (conversation.deleted)", "Conversations"),
		deleteOne("conversation", svc.Conversations.DeleteConversation))
	register(api, s, created(op("add-conversation-part", http.MethodPost, "/v1/conversations/{id}/parts", "Add a message or note (user.replied, admin.replied, admin.noted)", "Conversations")),
		addPart(svc.Conversations))
	register(api, s, op("list-conversation-parts", http.MethodGet, "/v1/conversations/{id}/parts", "List a conversation's messages and notes, oldest first", "Conversations"),
		listParts(svc.Conversations))
	register(api, s, op("redact-conversation-part", http.MethodPost, "/v1/conversations/{id}/parts/{partId}/redact", "Redact a message or note (conversation_part.redacted)", "Conversations"),
		redactPart(svc.Conversations))
	register(api, s, op("attach-participant", http.MethodPost, "/v1/conversations/{id}/participants", "Add a participant (conversation.contact.attached)", "Conversations"),
		conversationAction(svc.Conversations.AttachParticipant))
	register(api, s, op("detach-participant", http.MethodDelete, "/v1/conversations/{id}/participants/{userId}", "Remove a participant (conversation.contact.detached)", "Conversations"),
		detachParticipant(svc.Conversations))
	register(api, s, op("mark-conversation-read", http.MethodPost, "/v1/conversations/{id}/read", "Record a read receipt (conversation.read)", "Conversations"),
		conversationAction(svc.Conversations.MarkRead))

	register(api, s, op("list-events", http.MethodGet, "/v1/events", "List events, newest first", "Events"),
		listEvents(svc.Events, catalog))
	register(api, s, op("get-event", http.MethodGet, "/v1/events/{id}", "Get an event", "Events"),
		getEvent(svc.Events))
	register(api, s, op("list-event-types", http.MethodGet, "/v1/event-types", "List event types with their schemas and examples", "Events"),
		listEventTypes(catalog))
	if svc.Listen != nil {
		streams := svc.Streams
		if streams == nil {
			streams = NewStreams()
		}
		register(api, s, listenOperation(api.OpenAPI().Components.Schemas), listen(svc.Listen, streams, s.logger))
	}
}

// created makes an operation answer 201: a POST under a resource that creates one of
// its parts.
func created(o huma.Operation) huma.Operation {
	o.DefaultStatus = http.StatusCreated
	return o
}

// accepted makes an operation answer 202: it started work that goes on after it answers.
func accepted(o huma.Operation) huma.Operation {
	o.DefaultStatus = http.StatusAccepted
	return o
}

// op describes an operation. A POST to a collection creates, and answers 201; a POST
// to an action of one resource ("/v1/deliveries/{id}/retry") answers 200.
func op(id, method, path, summary, tag string) huma.Operation {
	o := huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{tag}}
	if method == http.MethodPost && !strings.Contains(path, "{id}") {
		o.DefaultStatus = http.StatusCreated
	}
	return o
}
