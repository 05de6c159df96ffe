package webhook

import "encoding/json"

// The harvestr event names, the value of HarvestrPayload.Event.
const (
	FeedbackCreated  = "FEEDBACK_CREATED"
	FeedbackUpdated  = "FEEDBACK_UPDATED"
	DiscoveryCreated = "DISCOVERY_CREATED"
	DiscoveryUpdated = "DISCOVERY_UPDATED"
	ComponentCreated = "COMPONENT_CREATED"
	ComponentUpdated = "COMPONENT_UPDATED"
	MessageCreated   = "MESSAGE_CREATED"
	MessageUpdated   = "MESSAGE_UPDATED"
)

// HarvestrPayload is the body of a harvestr-format delivery.
type HarvestrPayload struct {
	// ID identifies the delivery: unique per event and endpoint, the same on every retry,
	// so receivers can drop duplicates by it.
	ID string `json:"id"`
	// Event is the event name, such as MESSAGE_CREATED.
	Event string `json:"event"`
	// Data is the resource at the time of the event: a Feedback, Discovery, Component or
	// Message.
	Data json.RawMessage `json:"data"`
	// Changes is present only on *_UPDATED events: each field the update changed, with
	// its new value (null when the field was cleared).
	Changes json.RawMessage `json:"changes,omitempty"`
}

// Feedback is the data of FEEDBACK_CREATED and FEEDBACK_UPDATED.
type Feedback struct {
	ID          string  `json:"id"`
	ClientID    string  `json:"clientId"`
	CreatedAt   Time    `json:"createdAt"`
	UpdatedAt   Time    `json:"updatedAt"`
	Starred     bool    `json:"starred"`
	Score       float64 `json:"score"`
	MessageID   string  `json:"messageId"`
	DiscoveryID string  `json:"discoveryId"`
	RequesterID *string `json:"requesterId" nullable:"true"`
	SubmitterID *string `json:"submitterId" nullable:"true"`
}

// Discovery is the data of DISCOVERY_CREATED and DISCOVERY_UPDATED.
type Discovery struct {
	ID               string  `json:"id"`
	ClientID         string  `json:"clientId"`
	CreatedAt        Time    `json:"createdAt"`
	UpdatedAt        Time    `json:"updatedAt"`
	Title            string  `json:"title"`
	Description      *string `json:"description" nullable:"true"`
	DiscoveryStateID *string `json:"discoveryStateId" nullable:"true"`
	ParentID         *string `json:"parentId" nullable:"true"`
}

// Component is the data of COMPONENT_CREATED and COMPONENT_UPDATED.
type Component struct {
	ID          string  `json:"id"`
	ClientID    string  `json:"clientId"`
	CreatedAt   Time    `json:"createdAt"`
	UpdatedAt   Time    `json:"updatedAt"`
	Title       string  `json:"title"`
	Description *string `json:"description" nullable:"true"`
	ParentID    *string `json:"parentId" nullable:"true"`
}

// Message is the data of MESSAGE_CREATED and MESSAGE_UPDATED.
type Message struct {
	ID             string  `json:"id"`
	ClientID       string  `json:"clientId"`
	CreatedAt      Time    `json:"createdAt"`
	UpdatedAt      Time    `json:"updatedAt"`
	Title          string  `json:"title"`
	Content        string  `json:"content"`
	Channel        string  `json:"channel"`
	Read           bool    `json:"read"`
	Updated        bool    `json:"updated"`
	Archived       bool    `json:"archived"`
	Bin            bool    `json:"bin"`
	RequesterID    string  `json:"requesterId"`
	SubmitterID    string  `json:"submitterId"`
	ReceivedAt     *Time   `json:"receivedAt" nullable:"true"`
	IntegrationURL *string `json:"integrationUrl" nullable:"true"`
	IntegrationID  *string `json:"integrationId" nullable:"true"`
	AssigneeID     *string `json:"assigneeId" nullable:"true"`
}
