package httpapi_test

import (
	"fmt"
	"testing"
	"time"
)

// TestConversationRoutes drives the conversation routes and their answers.
func TestConversationRoutes(t *testing.T) {
	a := setup(t)
	user := func(name, typ string) string {
		return a.must(201, "POST", "/v1/users", fmt.Sprintf(`{"name":%q,"type":%q}`, name, typ))["id"].(string)
	}
	contact, admin := user("Ada", "customer"), user("Grace", "admin")

	c := a.must(201, "POST", "/v1/conversations", fmt.Sprintf(`{"title":"Export fails","contactId":%q,"bodyMarkdown":"Help"}`, contact))
	id := c["id"].(string)
	if c["object"] != "conversation" || c["state"] != "open" || c["source"].(map[string]any)["bodyHtml"] != "<p>Help</p>" {
		t.Errorf("created %v", c)
	}
	path := "/v1/conversations/" + id
	a.must(200, "GET", path, "")
	if list := a.must(200, "GET", "/v1/conversations", ""); len(list["data"].([]any)) != 1 {
		t.Errorf("list %v", list)
	}

	part := a.must(201, "POST", path+"/parts", fmt.Sprintf(`{"partType":"admin_msg","authorId":%q,"bodyMarkdown":"On it"}`, admin))
	if part["object"] != "conversation_part" || part["partType"] != "admin_msg" {
		t.Errorf("part %v", part)
	}
	status, problem := a.do("POST", path+"/parts", fmt.Sprintf(`{"partType":"admin_note","authorId":%q,"bodyMarkdown":"x"}`, contact))
	if status != 422 || !hasProblem(problem, "body.authorId") {
		t.Errorf("a contact's note: %d %v, want 422 on body.authorId", status, problem)
	}
	if parts := a.must(200, "GET", path+"/parts", ""); len(parts["data"].([]any)) != 2 {
		t.Errorf("parts %v", parts)
	}
	a.must(200, "POST", path+"/parts/"+part["id"].(string)+"/redact", "")
	a.must(409, "POST", path+"/parts/"+part["id"].(string)+"/redact", "")
	a.must(404, "POST", path+"/parts/nope/redact", "")

	a.must(200, "PATCH", path, `{"state":"closed"}`)
	a.must(409, "PATCH", path, `{"state":"closed"}`)
	a.must(200, "PATCH", path, `{"state":"open"}`)
	status, problem = a.do("PATCH", path, `{"state":"snoozed"}`)
	if status != 422 || !hasProblem(problem, "body.snoozedUntil") {
		t.Errorf("snooze without an end: %d %v, want 422 on body.snoozedUntil", status, problem)
	}
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if got := a.must(200, "PATCH", path, fmt.Sprintf(`{"state":"snoozed","snoozedUntil":%q}`, until)); got["state"] != "snoozed" {
		t.Errorf("snoozed %v", got)
	}
	a.must(422, "PATCH", path, `{"botConversationState":"asleep"}`)

	lead := user("Ann", "lead")
	if got := a.must(200, "POST", path+"/participants", fmt.Sprintf(`{"userId":%q}`, lead)); len(got["participants"].([]any)) != 2 {
		t.Errorf("attached %v", got)
	}
	a.must(409, "POST", path+"/participants", fmt.Sprintf(`{"userId":%q}`, lead))
	status, problem = a.do("POST", path+"/participants", fmt.Sprintf(`{"userId":%q}`, admin))
	if status != 422 || !hasProblem(problem, "body.userId") {
		t.Errorf("attaching an admin: %d %v, want 422 on body.userId: conversation.contact.attached is for contacts", status, problem)
	}
	a.must(200, "DELETE", path+"/participants/"+lead, "")
	a.must(200, "POST", path+"/read", fmt.Sprintf(`{"userId":%q}`, admin))
	a.must(422, "POST", path+"/read", `{"userId":"nobody"}`)

	if got := a.must(200, "DELETE", path, ""); got["deleted"] != true {
		t.Errorf("delete answered %v", got)
	}
	a.must(404, "GET", path, "")
}

// hasProblem reports whether a problem document names the location.
func hasProblem(problem map[string]any, location string) bool {
	errs, _ := problem["errors"].([]any)
	for _, e := range errs {
		if e.(map[string]any)["location"] == location {
			return true
		}
	}
	return false
}
