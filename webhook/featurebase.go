package webhook

import "encoding/json"

// FeaturebasePayload is the body of a featurebase-format delivery with its item left
// encoded; Decode returns the typed FeaturebaseEvent of its topic.
type FeaturebasePayload = FeaturebaseEvent[json.RawMessage]

// FeaturebaseData is the data member of a FeaturebasePayload.
type FeaturebaseData = FeaturebaseEventData[json.RawMessage]

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
	Email          *string `json:"email" nullable:"true"`
	ProfilePicture *string `json:"profilePicture" nullable:"true"`
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
	ETA          *Time          `json:"eta" nullable:"true"`
	Features     PostFeatures   `json:"features"`
	Access       PostAccess     `json:"access"`
	AssigneeID   *string        `json:"assigneeId" nullable:"true"`
	CustomFields map[string]any `json:"customFields"`
	CreatedAt    Time           `json:"createdAt"`
	UpdatedAt    Time           `json:"updatedAt"`
}

// Voter is who voted on a post: Object is "admin" for the team and "contact" for
// everyone else.
type Voter struct {
	Object         string  `json:"object"` // admin or contact
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	Email          *string `json:"email" nullable:"true"`
	ProfilePicture *string `json:"profilePicture" nullable:"true"`
	Type           string  `json:"type"` // admin, customer, lead or bot
}

// PostVote is the item of post.voted.
type PostVote struct {
	Object string `json:"object"` // always "post_vote"
	Action string `json:"action"` // add or remove
	PostID string `json:"postId"`
	Voter  Voter  `json:"voter"`
}

// Comment is the item of comment.created, comment.updated and comment.deleted.
// Replies are flat: a reply to a reply has the root comment as its parent.
type Comment struct {
	Object          string  `json:"object"` // always "comment"
	ID              string  `json:"id"`
	PostID          string  `json:"postId"`
	ParentCommentID *string `json:"parentCommentId" nullable:"true"`
	Content         string  `json:"content"` // HTML
	Author          *Author `json:"author"`
	Upvotes         int     `json:"upvotes"`
	Downvotes       int     `json:"downvotes"`
	Score           int     `json:"score"`
	IsPrivate       bool    `json:"isPrivate"`
	InReview        bool    `json:"inReview"`
	IsPinned        bool    `json:"isPinned"`
	CreatedAt       Time    `json:"createdAt"`
	UpdatedAt       Time    `json:"updatedAt"`
}

// ChangelogCategory is a category of a changelog with its notification settings.
type ChangelogCategory struct {
	ID                      string `json:"id"`
	Name                    string `json:"name"`
	SendEmailNotification   bool   `json:"sendEmailNotification"`
	HideFromBoardAndWidgets bool   `json:"hideFromBoardAndWidgets"`
}

// Changelog is the item of changelog.published, in the locale it was published in.
type Changelog struct {
	Object               string              `json:"object"` // always "changelog"
	ID                   string              `json:"id"`
	Slug                 string              `json:"slug"`
	Title                string              `json:"title"`
	Content              string              `json:"content"` // HTML
	MarkdownContent      string              `json:"markdownContent"`
	FeaturedImage        *string             `json:"featuredImage" nullable:"true"`
	Locale               string              `json:"locale"`
	FirstPublishInLocale bool                `json:"firstPublishInLocale"`
	PublishedLocales     []string            `json:"publishedLocales"`
	Categories           []ChangelogCategory `json:"categories"`
	Date                 Time                `json:"date"` // when it was first published
	CommentCount         int                 `json:"commentCount"`
	CreatedAt            Time                `json:"createdAt"`
	UpdatedAt            Time                `json:"updatedAt"`
}

// Participant is a user taking part in a conversation.
type Participant struct {
	ID   string `json:"id"`
	Type string `json:"type"` // admin, customer, lead or bot
}

// ReadReceipt says when a user last read a conversation.
type ReadReceipt struct {
	UserID string `json:"userId"`
	ReadAt Time   `json:"readAt"`
}

// ConversationTag is a tag applied to a conversation or a part.
type ConversationTag struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

// Conversation is the item of the conversation-level topics. It never carries its
// parts; Source is the message that started it.
type Conversation struct {
	Object                            string            `json:"object"` // always "conversation"
	ID                                string            `json:"id"`
	Title                             string            `json:"title"`
	State                             string            `json:"state"` // open, closed or snoozed
	SnoozedUntil                      *Time             `json:"snoozedUntil" nullable:"true"`
	Priority                          bool              `json:"priority"`
	PrioritySetAt                     *Time             `json:"prioritySetAt" nullable:"true"`
	AdminAssigneeID                   *string           `json:"adminAssigneeId" nullable:"true"`
	TeamAssigneeID                    *string           `json:"teamAssigneeId" nullable:"true"`
	Participants                      []Participant     `json:"participants"`
	Source                            *ConversationPart `json:"source"`
	Tags                              []ConversationTag `json:"tags"`
	ReadReceipts                      []ReadReceipt     `json:"readReceipts"`
	BotConversationState              *string           `json:"botConversationState" nullable:"true"` // active, handed_off_to_human or resolved
	BotConversationStateLastUpdatedAt *Time             `json:"botConversationStateLastUpdatedAt" nullable:"true"`
	BrandID                           *string           `json:"brandId" nullable:"true"`
	HasAdminOverriddenLanguage        bool              `json:"hasAdminOverriddenLanguage"`
	IsBlocked                         bool              `json:"isBlocked"`
	LastActivityAt                    Time              `json:"lastActivityAt"`
	WaitingSince                      *Time             `json:"waitingSince" nullable:"true"` // since when a contact waits for an answer
	CreatedAt                         Time              `json:"createdAt"`
	UpdatedAt                         Time              `json:"updatedAt"`
}

// PartAuthor is who wrote a conversation part.
type PartAuthor struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"` // admin, customer, lead or bot
}

// ConversationPart is the item of the message-level topics: one message or note of a
// conversation. PartType tells the variant: user_msg, email_msg, admin_msg, bot_msg or
// admin_note. A redacted part has empty bodies and Redacted true.
type ConversationPart struct {
	Object          string            `json:"object"` // always "conversation_part"
	ID              string            `json:"id"`
	ConversationID  string            `json:"conversationId"`
	PartType        string            `json:"partType"`
	Author          PartAuthor        `json:"author"`
	BodyHTML        string            `json:"bodyHtml"`
	BodyMarkdown    string            `json:"bodyMarkdown"`
	TagApplications []ConversationTag `json:"tagApplications"`
	Redacted        bool              `json:"redacted"`
	CreatedAt       Time              `json:"createdAt"`
	UpdatedAt       Time              `json:"updatedAt"`
}
