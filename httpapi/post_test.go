package httpapi_test

import (
	"fmt"
	"testing"
)

// TestPostRoutes drives the boards, statuses, posts, votes, comments and changelogs
// routes and their answers.
func TestPostRoutes(t *testing.T) {
	a := setup(t)
	author := a.must(201, "POST", "/v1/users", `{"name":"Ada","type":"customer"}`)["id"].(string)
	board := a.must(201, "POST", "/v1/boards", `{"name":"Ideas"}`)["id"].(string)
	a.must(200, "PATCH", "/v1/boards/"+board, `{"name":"Feature requests"}`)
	if statuses := a.must(200, "GET", "/v1/post-statuses", ""); len(statuses["data"].([]any)) != 5 {
		t.Errorf("a new workspace has statuses %v", statuses)
	}
	status := a.must(201, "POST", "/v1/post-statuses", `{"name":"Shipped","color":"Green","type":"completed"}`)
	if status["object"] != "post_status" || status["isDefault"] != false {
		t.Errorf("status %v", status)
	}
	status2, problem := a.do("POST", "/v1/post-statuses", `{"name":"x","color":"x","type":"done"}`)
	if status2 != 422 || !hasProblem(problem, "body.type") {
		t.Errorf("a bad status type: %d %v", status2, problem)
	}

	post := a.must(201, "POST", "/v1/posts", fmt.Sprintf(`{"title":"Dark mode","content":"<p>x</p>","boardId":%q,"authorId":%q,"tags":["ui"]}`, board, author))
	id := post["id"].(string)
	if post["object"] != "post" || post["slug"] != "dark-mode" || post["status"].(map[string]any)["name"] != "In Review" {
		t.Errorf("post %v", post)
	}
	code, problem := a.do("POST", "/v1/posts", fmt.Sprintf(`{"title":"x","content":"x","boardId":"nope","authorId":%q}`, author))
	if code != 422 || !hasProblem(problem, "body.boardId") {
		t.Errorf("a post on no board: %d %v", code, problem)
	}
	if got := a.must(200, "PATCH", "/v1/posts/"+id, fmt.Sprintf(`{"statusId":%q,"eta":"2025-03-01T00:00:00Z"}`, status["id"])); got["status"].(map[string]any)["name"] != "Shipped" || got["eta"] != "2025-03-01T00:00:00.000Z" {
		t.Errorf("patched post %v", got)
	}
	if got := a.must(200, "POST", "/v1/posts/"+id+"/votes", fmt.Sprintf(`{"voterId":%q}`, author)); got["upvotes"] != 1.0 {
		t.Errorf("after a vote: %v", got["upvotes"])
	}
	if got := a.must(200, "POST", "/v1/posts/"+id+"/votes", fmt.Sprintf(`{"voterId":%q}`, author)); got["upvotes"] != 1.0 {
		t.Errorf("after a second vote: %v", got["upvotes"])
	}
	if got := a.must(200, "DELETE", "/v1/posts/"+id+"/votes/"+author, ""); got["upvotes"] != 0.0 {
		t.Errorf("after removing the vote: %v", got["upvotes"])
	}

	comment := a.must(201, "POST", "/v1/comments", fmt.Sprintf(`{"postId":%q,"content":"<p>+1</p>","authorId":%q}`, id, author))
	a.must(200, "PATCH", "/v1/comments/"+comment["id"].(string), `{"content":"<p>+1!</p>"}`)
	if list := a.must(200, "GET", "/v1/comments?postId="+id, ""); len(list["data"].([]any)) != 1 {
		t.Errorf("comments of the post %v", list)
	}
	a.must(200, "DELETE", "/v1/comments/"+comment["id"].(string), "")
	a.must(404, "GET", "/v1/comments/"+comment["id"].(string), "")

	changelog := a.must(201, "POST", "/v1/changelogs", `{"title":"Dark mode","content":"<p>Here</p>","categories":[{"name":"New"}]}`)
	path := "/v1/changelogs/" + changelog["id"].(string)
	if got := a.must(200, "POST", path+"/publish", `{"locale":"en"}`); fmt.Sprint(got["publishedLocales"]) != "[en]" {
		t.Errorf("published %v", got)
	}
	code, problem = a.do("POST", path+"/publish", `{"locale":"English"}`)
	if code != 422 || !hasProblem(problem, "body.locale") {
		t.Errorf("a bad locale: %d %v", code, problem)
	}

	if got := a.must(200, "DELETE", "/v1/posts/"+id, ""); got["deleted"] != true {
		t.Errorf("delete answered %v", got)
	}
	a.must(404, "GET", "/v1/posts/"+id, "")
}
