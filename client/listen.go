package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/feedwire/feedwire"
)

// ListenOptions selects what a listen stream sends.
type ListenOptions struct {
	// Format is "harvestr" or "featurebase"; both when empty.
	Format string
	// Types narrows the stream to these event types; all of the format's when empty.
	Types []string
	// LastEventID resumes after this event: the EventID of the last delivery received.
	LastEventID string
}

// ListenSession is the first message of a stream: who its deliveries come from.
type ListenSession struct {
	// Secret signs every delivery, the same for every stream of this API key.
	Secret    string   `json:"secret"`
	WebhookID string   `json:"webhookId"`
	Types     []string `json:"types"`
}

// ListenDelivery is one event of a stream: the request a webhook would receive.
type ListenDelivery struct {
	EventID string            `json:"eventId"`
	Type    string            `json:"type"`
	Format  string            `json:"format"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// Header returns the delivery's headers as an http.Header.
func (d ListenDelivery) Header() http.Header {
	h := http.Header{}
	for name, value := range d.Headers {
		h.Set(name, value)
	}
	return h
}

// listenSilence is how long a stream may send nothing before it is taken for dead: the
// server sends a comment every 15 s when it has nothing else to send.
const listenSilence = 45 * time.Second

// ErrStreamEnded is what Listen returns when the server ended the stream, as it does
// when it shuts down: reconnecting with the last event id resumes it.
var ErrStreamEnded = errors.New("the server ended the stream")

// Listen opens the workspace's event stream (GET /v1/listen) and calls session once,
// then deliver for each delivery, until ctx ends (nil), the stream ends or fails, or
// a callback returns an error.
func (c *Client) Listen(ctx context.Context, o ListenOptions, session func(ListenSession), deliver func(ListenDelivery) error) error {
	q := url.Values{}
	if o.Format != "" {
		q.Set("format", o.Format)
	}
	for _, t := range o.Types {
		q.Add("type", t)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+"/v1/listen?"+q.Encode(), nil)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("Accept", "text/event-stream")
	if o.LastEventID != "" {
		req.Header.Set("Last-Event-ID", o.LastEventID)
	}
	// The stream lasts as long as it is wanted: no overall timeout, but silence ends it.
	streaming := &http.Client{Transport: c.http.Transport}
	resp, err := streaming.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("client: GET /v1/listen: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return problemError(resp)
	}
	silence := time.AfterFunc(listenSilence, cancel)
	defer silence.Stop()
	err = readEvents(resp, func(event, data string) error {
		silence.Reset(listenSilence)
		switch event {
		case "session":
			var s ListenSession
			if err := json.Unmarshal([]byte(data), &s); err != nil {
				return fmt.Errorf("client: the stream's session: %w", err)
			}
			session(s)
		case "delivery":
			var d ListenDelivery
			if err := json.Unmarshal([]byte(data), &d); err != nil {
				return fmt.Errorf("client: a delivery of the stream: %w", err)
			}
			return deliver(d)
		case "error":
			var p struct{ Detail string }
			json.Unmarshal([]byte(data), &p)
			return fmt.Errorf("client: the server ended the stream: %s", p.Detail)
		}
		return nil // a keepalive, or a kind of event this client does not know
	})
	switch {
	case err == nil:
		return ErrStreamEnded
	case ctx.Err() != nil && !silence.Stop():
		return fmt.Errorf("client: the stream was silent for %s; the connection is taken for dead", listenSilence)
	case ctx.Err() != nil:
		return nil
	}
	return err
}

// readEvents calls handle for each server-sent event of resp, and for each comment with
// an empty event and data, until the body ends (nil) or handle fails.
func readEvents(resp *http.Response, handle func(event, data string) error) error {
	lines := bufio.NewScanner(resp.Body)
	// A delivery's line holds the largest event's body, escaped as a JSON string (up to
	// six bytes a byte), and its headers.
	lines.Buffer(make([]byte, 64<<10), 6*feedwire.MaxEventSize+64<<10)
	var event string
	var data strings.Builder
	for lines.Scan() {
		line := lines.Text()
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch {
		case line == "":
			if data.Len() > 0 || event != "" {
				if err := handle(event, data.String()); err != nil {
					return err
				}
			}
			event = ""
			data.Reset()
		case field == "": // a comment
			if err := handle("", ""); err != nil {
				return err
			}
		case field == "event":
			event = value
		case field == "data":
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			data.WriteString(value)
		}
	}
	return lines.Err()
}
