package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/feedwire/feedwire/httpapi"
	"github.com/feedwire/feedwire/httpapi/internal/oapiclient"
	"github.com/feedwire/feedwire/internal/testpg"
)

var update = flag.Bool("update", false, "rewrite internal/oapiclient/openapi.json, the document the generated client is made from")

// snapshotPath is the document the generated client of internal/oapiclient is made from.
const snapshotPath = "internal/oapiclient/openapi.json"

// TestOpenAPISnapshot checks that the document the generated client was made from is
// the one the server serves, with a rate limit as feedwire serve has by default: when
// the API changes, go generate ./httpapi/internal/oapiclient makes both anew.
func TestOpenAPISnapshot(t *testing.T) {
	dsn, secretKey := testpg.NewDatabase(t)
	_, srv := newTestServerWith(t, dsn, secretKey, func(svc *httpapi.Services) {
		limiter, err := httpapi.NewRateLimiter(10000, 10000, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		svc.Limiter = limiter
	})
	resp, err := http.Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var served bytes.Buffer
	if err := json.Indent(&served, raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	served.WriteByte('\n')
	if *update {
		if err := os.WriteFile(snapshotPath, served.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile(snapshotPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, served.Bytes()) {
		t.Errorf("%s is not the document the server serves; run go generate ./httpapi/internal/oapiclient", snapshotPath)
	}
}

// TestGeneratedClient drives the API with the client oapi-codegen made from the
// document: what it sends is what the server takes, and what the server answers,
// problems included, parses into its types.
func TestGeneratedClient(t *testing.T) {
	a := setup(t)
	ctx := context.Background()
	c, err := oapiclient.NewClientWithResponses(a.url, oapiclient.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+a.key)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	key := "create-ada"
	created, err := c.CreateUserWithResponse(ctx, &oapiclient.CreateUserParams{IdempotencyKey: &key},
		oapiclient.CreateUserRequest{Name: "Ada", Type: oapiclient.CreateUserRequestTypeCustomer})
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create a user: %v %s", err, body(created.HTTPResponse, created.Body))
	}
	ada := created.JSON201
	if ada.Name != "Ada" || ada.CreatedAt.IsZero() || time.Since(ada.CreatedAt) > time.Hour || !ada.Email.IsNull() {
		t.Errorf("created user: got %+v", ada)
	}
	again, err := c.CreateUserWithResponse(ctx, &oapiclient.CreateUserParams{IdempotencyKey: &key},
		oapiclient.CreateUserRequest{Name: "Ada", Type: oapiclient.CreateUserRequestTypeCustomer})
	if err != nil || again.JSON201 == nil || again.JSON201.Id != ada.Id || again.HTTPResponse.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the same create again: got %v %s, want the first answer replayed", err, body(again.HTTPResponse, again.Body))
	}

	msg, err := c.CreateMessageWithResponse(ctx, nil, oapiclient.CreateMessageRequest{Title: "Export", Content: "Please",
		Channel: oapiclient.CreateMessageRequestChannelINTERCOM, RequesterId: ada.Id, SubmitterId: ada.Id})
	if err != nil || msg.JSON201 == nil {
		t.Fatalf("create a message: %v %s", err, body(msg.HTTPResponse, msg.Body))
	}
	received := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	set, err := c.UpdateMessageWithResponse(ctx, msg.JSON201.Id, oapiclient.MessagePatch{
		Title: ptrTo("Export to PDF"), ReceivedAt: nullable.NewNullableWithValue(received)})
	if err != nil || set.JSON200 == nil {
		t.Fatalf("patch a message: %v %s", err, body(set.HTTPResponse, set.Body))
	}
	if got, err := set.JSON200.ReceivedAt.Get(); err != nil || !got.Equal(received) || set.JSON200.Title != "Export to PDF" {
		t.Errorf("after the patch: got receivedAt %v (%v) and title %q", got, err, set.JSON200.Title)
	}
	cleared, err := c.UpdateMessageWithResponse(ctx, msg.JSON201.Id, oapiclient.MessagePatch{ReceivedAt: nullable.NewNullNullable[time.Time]()})
	if err != nil || cleared.JSON200 == nil {
		t.Fatalf("clear receivedAt: %v %s", err, body(cleared.HTTPResponse, cleared.Body))
	}
	if !cleared.JSON200.ReceivedAt.IsNull() || cleared.JSON200.Title != "Export to PDF" {
		t.Errorf("after clearing receivedAt: got %+v, want it null and the title kept", cleared.JSON200)
	}

	for _, name := range []string{"Grace", "Lin"} {
		if r, err := c.CreateUserWithResponse(ctx, nil, oapiclient.CreateUserRequest{Name: name, Type: oapiclient.CreateUserRequestTypeLead}); err != nil || r.JSON201 == nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}
	var names []string
	params := &oapiclient.ListUsersParams{Limit: ptrTo[int64](2)}
	for page := 1; ; page++ {
		list, err := c.ListUsersWithResponse(ctx, params)
		if err != nil || list.JSON200 == nil {
			t.Fatalf("list page %d: %v", page, err)
		}
		for _, u := range list.JSON200.Data {
			names = append(names, u.Name)
		}
		next, err := list.JSON200.NextCursor.Get()
		if err != nil {
			break // null on the last page
		}
		params.Cursor = &next
	}
	if got := strings.Join(names, ","); got != "Lin,Grace,Ada" {
		t.Errorf("the pages of users: got %s, want Lin,Grace,Ada", got)
	}

	missing, err := c.GetUserWithResponse(ctx, "no-such-user")
	if err != nil || missing.ApplicationproblemJSON404 == nil || *missing.ApplicationproblemJSON404.Status != 404 {
		t.Errorf("get a missing user: got %v %s, want a 404 problem", err, body(missing.HTTPResponse, missing.Body))
	}
	invalid, err := c.CreateUserWithResponse(ctx, nil, oapiclient.CreateUserRequest{Name: "Ada", Type: "owner"})
	if err != nil || invalid.ApplicationproblemJSON422 == nil || invalid.ApplicationproblemJSON422.Errors == nil ||
		len(*invalid.ApplicationproblemJSON422.Errors) == 0 || *(*invalid.ApplicationproblemJSON422.Errors)[0].Location != "body.type" {
		t.Errorf("create a user of no type: got %v %s, want a 422 problem locating body.type", err, body(invalid.HTTPResponse, invalid.Body))
	}
}

func ptrTo[T any](v T) *T { return &v }

// body describes an answer for a failure message.
func body(resp *http.Response, raw []byte) string {
	if resp == nil {
		return "(no answer)"
	}
	return resp.Status + " " + string(raw)
}
