package webhook

import "encoding/json"

// FeaturebasePayload is the body of a featurebase-format delivery.
type FeaturebasePayload struct {
	Object string `json:"object"` // always "notification_event"
	// ID identifies the delivery: "notif_" and a UUIDv7, unique per event and endpoint,
	// the same on every retry, so receivers can drop duplicates by it.
	ID             string `json:"id"`
	Topic          string `json:"topic"`
	OrganizationID string `json:"organizationId"`
	WebhookID      string `json:"webhookId"`
	CreatedAt      Time   `json:"createdAt"`
	// DeliveryStatus is "pending": the delivery is under way as the receiver reads it.
	DeliveryStatus string `json:"deliveryStatus"`
	// ConversationID and ConversationURL are present on conversation topics only.
	ConversationID  *string         `json:"conversationId,omitempty"`
	ConversationURL *string         `json:"conversationUrl,omitempty"`
	Data            FeaturebaseData `json:"data"`
}

// FeaturebaseData is the data member of a featurebase payload.
type FeaturebaseData struct {
	Object string `json:"object"` // always "notification_event_data"
	// Item is the object the topic is about: a Post, PostVote, Comment, Changelog,
	// Conversation or ConversationPart, each with its "object" member.
	Item json.RawMessage `json:"item"`
	// Changes is present on update and state-change topics only.
	Changes []Change `json:"changes,omitempty"`
}

// Change is one field an update changed.
type Change struct {
	Field    string          `json:"field"`
	OldValue json.RawMessage `json:"oldValue"`
	NewValue json.RawMessage `json:"newValue"`
}

// The values of FeaturebasePayload.Object, FeaturebaseData.Object and
// FeaturebasePayload.DeliveryStatus.
const (
	ObjectNotificationEvent     = "notification_event"
	ObjectNotificationEventData = "notification_event_data"
	DeliveryStatusPending       = "pending"
)

// Author is who wrote a post or comment.
type Author struct {
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	Email          *string `json:"email"`
	ProfilePicture *string `json:"profilePicture"`
	Type           string  `json:"type"` // admin, customer, lead or bot
}

// PostStatus is the status of a post.
type PostStatus struct {
	Object    string `json:"object"` // always "post_status"
	ID        string `json:"id"`
	Name      string `json:"name"`
	Color     string `json:"color"`
	Type      string `json:"type"` // reviewing, unstarted, active, completed or canceled
	IsDefault bool   `json:"isDefault"`
}

// PostFeatures are the features switched on for a post.
type PostFeatures struct {
	CommentsEnabled bool `json:"commentsEnabled"`
}

// PostAccess restricts who sees a post; empty lists mean everyone.
type PostAccess struct {
	UserIDs            []string `json:"userIds"`
	CompanyExternalIDs []string `json:"companyExternalIds"`
}

// Post is the item of post.created, post.updated and post.deleted.
type Post struct {
	Object       string         `json:"object"` // always "post"
	ID           string         `json:"id"`
	Slug         string         `json:"slug"`
	PostURL      string         `json:"postUrl"`
	Title        string         `json:"title"`
	Content      string         `json:"content"`
	BoardID      string         `json:"boardId"`
	Author       *Author        `json:"author"`
	Status       *PostStatus    `json:"status"`
	Tags         []string       `json:"tags"`
	Upvotes      int            `json:"upvotes"`
	CommentCount int            `json:"commentCount"`
	IsPinned     bool           `json:"isPinned"`
	InReview     bool           `json:"inReview"`
	ETA          *Time          `json:"eta"`
	Features     PostFeatures   `json:"features"`
	Access       PostAccess     `json:"access"`
	AssigneeID   *string        `json:"assigneeId"`
	CustomFields map[string]any `json:"customFields"`
	CreatedAt    Time           `json:"createdAt"`
	UpdatedAt    Time           `json:"updatedAt"`
}
