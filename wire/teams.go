package wire

// The Adaptive Card a teams body carries. Version 1.4 is the newest that Teams renders
// in every client from an incoming webhook or a Workflows webhook.
const (
	adaptiveCardContentType = "application/vnd.microsoft.card.adaptive"
	adaptiveCardSchema      = "http://adaptivecards.io/schemas/adaptive-card.json"
	adaptiveCardVersion     = "1.4"
)

// teamsMessage is the JSON a Teams incoming webhook takes: a message with one Adaptive
// Card attachment.
type teamsMessage struct {
	Type        string            `json:"type"` // always "message"
	Attachments []teamsAttachment `json:"attachments"`
}

type teamsAttachment struct {
	ContentType string       `json:"contentType"`
	ContentURL  *string      `json:"contentUrl"` // always null: the card is inline
	Content     adaptiveCard `json:"content"`
}

type adaptiveCard struct {
	Schema  string        `json:"$schema"`
	Type    string        `json:"type"` // always "AdaptiveCard"
	Version string        `json:"version"`
	Body    []cardElement `json:"body"`
	Actions []cardAction  `json:"actions,omitempty"`
}

// cardElement is a TextBlock or a FactSet.
type cardElement struct {
	Type     string     `json:"type"`
	Text     string     `json:"text,omitempty"`
	Weight   string     `json:"weight,omitempty"`
	Size     string     `json:"size,omitempty"`
	IsSubtle bool       `json:"isSubtle,omitempty"`
	Spacing  string     `json:"spacing,omitempty"`
	Wrap     bool       `json:"wrap,omitempty"`
	Facts    []cardFact `json:"facts,omitempty"`
}

type cardFact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

type cardAction struct {
	Type  string `json:"type"` // always "Action.OpenUrl"
	Title string `json:"title"`
	URL   string `json:"url"`
}

// TeamsBody renders s as a Teams message with an Adaptive Card: the title, who did it,
// the text, the facts, what changed, the event type and time, and a button that opens
// the conversation or post.
func TeamsBody(s Summary) ([]byte, error) {
	body := []cardElement{{Type: "TextBlock", Text: s.Title, Weight: "Bolder", Size: "Medium", Wrap: true}}
	if s.Actor != "" {
		body = append(body, cardElement{Type: "TextBlock", Text: "by " + s.Actor, IsSubtle: true, Spacing: "None", Wrap: true})
	}
	if s.Text != "" {
		body = append(body, cardElement{Type: "TextBlock", Text: s.Text, Wrap: true})
	}
	if len(s.Facts) > 0 {
		facts := make([]cardFact, len(s.Facts))
		for i, f := range s.Facts {
			facts[i] = cardFact{Title: f.Name, Value: f.Value}
		}
		body = append(body, cardElement{Type: "FactSet", Facts: facts})
	}
	if len(s.Changes) > 0 {
		changes := make([]cardFact, len(s.Changes))
		for i, c := range s.Changes {
			changes[i] = cardFact{Title: c.Field, Value: changeText(c)}
		}
		body = append(body, cardElement{Type: "TextBlock", Text: "What changed", Weight: "Bolder", Wrap: true},
			cardElement{Type: "FactSet", Facts: changes})
	}
	body = append(body, cardElement{Type: "TextBlock", Text: footer(s), IsSubtle: true, Size: "Small", Wrap: true})
	card := adaptiveCard{Schema: adaptiveCardSchema, Type: "AdaptiveCard", Version: adaptiveCardVersion, Body: body}
	if s.URL != "" {
		card.Actions = []cardAction{{Type: "Action.OpenUrl", Title: s.URLLabel, URL: s.URL}}
	}
	return marshal(teamsMessage{Type: "message", Attachments: []teamsAttachment{{ContentType: adaptiveCardContentType, Content: card}}})
}
