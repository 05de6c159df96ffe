// Package client calls feedwire's REST API. Errors come back as the domain's errors:
// test them with errors.Is(err, feedwire.ErrNotFound) and the like; an invalid request's
// *feedwire.Error lists a problem per field.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/feedwire/feedwire"
)

// Client calls one feedwire server with one API key.
type Client struct {
	baseURL string
	apiKey  string
	http    *http.Client
}

// New returns a client of the server at baseURL, such as http://127.0.0.1:8080, that
// authenticates with apiKey.
func New(baseURL, apiKey string) *Client {
	return &Client{baseURL: strings.TrimSuffix(baseURL, "/"), apiKey: apiKey, http: &http.Client{Timeout: 30 * time.Second}}
}

// Do sends a request with body encoded as JSON (none when nil) and decodes a 2xx
// answer into out (ignored when nil). Any other answer is a domain error.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	var reader io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("client: encode %s %s: %w", method, path, err)
		}
		reader = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, reader)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return problemError(resp)
	}
	if out == nil {
		_, err := io.Copy(io.Discard, resp.Body)
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("client: decode the answer to %s %s: %w", method, path, err)
	}
	return nil
}

// problem is the RFC 9457 body of an error answer.
type problem struct {
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Message  string `json:"message"`
		Location string `json:"location"`
	} `json:"errors"`
}

// problemError turns an error answer into the domain error it stands for.
func problemError(resp *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var p problem
	if json.Unmarshal(raw, &p) != nil || p.Status == 0 {
		return fmt.Errorf("client: the server answered %s: %s", resp.Status, bytes.TrimSpace(raw))
	}
	kind := map[int]error{
		http.StatusUnprocessableEntity: feedwire.ErrInvalid, http.StatusBadRequest: feedwire.ErrInvalid,
		http.StatusNotFound: feedwire.ErrNotFound, http.StatusConflict: feedwire.ErrConflict,
		http.StatusUnauthorized: feedwire.ErrUnauthorized,
	}[p.Status]
	message := p.Detail
	if message == "" {
		message = p.Title
	}
	if kind == nil {
		return fmt.Errorf("client: the server answered %d: %s", p.Status, message)
	}
	e := &feedwire.Error{Kind: kind, Message: message}
	for _, d := range p.Errors {
		field := strings.TrimPrefix(d.Location, "body.")
		if field == "body" {
			field = ""
		}
		e.Problems = append(e.Problems, feedwire.FieldProblem{Field: field, Message: d.Message})
	}
	return e
}

// List is one page of a list.
type List[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"nextCursor"`
}

// ListOptions selects a page: Limit items (the server's default when 0) after Cursor.
type ListOptions struct {
	Limit  int
	Cursor string
}

func (o ListOptions) query(q url.Values) string {
	if o.Limit > 0 {
		q.Set("limit", fmt.Sprint(o.Limit))
	}
	if o.Cursor != "" {
		q.Set("cursor", o.Cursor)
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}
