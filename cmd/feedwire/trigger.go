package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/client"
)

func runTrigger(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "trigger", "Fire an event: create the example resources whose writes emit it, through the API.\n"+
		"Resources it needs first (a user, a post, a conversation) emit their own events too.",
		"  feedwire trigger post.created\n  feedwire trigger MESSAGE_UPDATED\n  feedwire trigger conversation.admin.snoozed")
	connect := remoteFlags(fs, e)
	r, names, err := parseRemote(fs, connect, args, 1, "an event type of the vendors' 32 (feedwire events types lists them)")
	if err != nil {
		return err
	}
	fire, ok := triggers[names[0]]
	if !ok && feedwire.EventType(names[0]).Operational() {
		return usageError(fmt.Sprintf("trigger: %s is one of feedwire's own events, which happen to webhooks rather than "+
			"to resources; send its example to an operational webhook with: feedwire webhooks test WEBHOOK_ID --event %[1]s", names[0]))
	}
	if !ok {
		known := make([]string, 0, len(triggers))
		for name := range triggers {
			known = append(known, name)
		}
		sort.Strings(known)
		return usageError(fmt.Sprintf("trigger: %q is not an event type; want one of %s", names[0], strings.Join(known, ", ")))
	}
	t := &trigger{ctx: ctx, client: r.client, log: e.stderr}
	if err := fire(t); err != nil {
		return fmt.Errorf("trigger %s: %w", names[0], err)
	}
	fmt.Fprintf(e.stdout, "triggered %s\n", names[0])
	return nil
}

// trigger makes the API calls that fire an event, creating what they need on the way.
type trigger struct {
	ctx    context.Context
	client *client.Client
	log    io.Writer
	users  map[string]string // id by user type
}

// call makes one request and returns the id of what it answers with.
func (t *trigger) call(method, path string, body any) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	if err := t.client.Do(t.ctx, method, path, body, &out); err != nil {
		return "", err
	}
	fmt.Fprintf(t.log, "  %s %s\n", method, path)
	return out.ID, nil
}

func (t *trigger) user(typ string) (string, error) {
	if id, ok := t.users[typ]; ok {
		return id, nil
	}
	names := map[string]string{"customer": "Ada Lovelace", "admin": "Grace Hopper", "lead": "Ann Lee", "bot": "Fin"}
	id, err := t.call("POST", "/v1/users", map[string]any{"name": names[typ], "type": typ})
	if err != nil {
		return "", err
	}
	if t.users == nil {
		t.users = map[string]string{}
	}
	t.users[typ] = id
	return id, nil
}

func (t *trigger) message() (string, error) {
	u, err := t.user("customer")
	if err != nil {
		return "", err
	}
	return t.call("POST", "/v1/messages", map[string]any{"title": "Feature request: export to PDF",
		"content": "It would be great to export reports to PDF.", "channel": "INTERCOM", "requesterId": u, "submitterId": u})
}

func (t *trigger) discovery() (string, error) {
	return t.call("POST", "/v1/discoveries", map[string]any{"title": "Users want PDF exports"})
}

func (t *trigger) component() (string, error) {
	return t.call("POST", "/v1/components", map[string]any{"title": "Dashboard"})
}

func (t *trigger) feedback() (string, error) {
	m, err := t.message()
	if err != nil {
		return "", err
	}
	d, err := t.discovery()
	if err != nil {
		return "", err
	}
	return t.call("POST", "/v1/feedback", map[string]any{"messageId": m, "discoveryId": d, "score": 3})
}

func (t *trigger) post() (string, error) {
	u, err := t.user("customer")
	if err != nil {
		return "", err
	}
	board, err := t.call("POST", "/v1/boards", map[string]any{"name": "Feature requests"})
	if err != nil {
		return "", err
	}
	return t.call("POST", "/v1/posts", map[string]any{"title": "Dark mode", "content": "<p>Please add a dark mode.</p>",
		"boardId": board, "authorId": u})
}

func (t *trigger) comment() (string, error) {
	p, err := t.post()
	if err != nil {
		return "", err
	}
	u, err := t.user("lead")
	if err != nil {
		return "", err
	}
	return t.call("POST", "/v1/comments", map[string]any{"postId": p, "content": "<p>Yes please!</p>", "authorId": u})
}

func (t *trigger) conversation() (string, error) {
	u, err := t.user("customer")
	if err != nil {
		return "", err
	}
	return t.call("POST", "/v1/conversations", map[string]any{"title": "CSV export fails", "contactId": u,
		"bodyMarkdown": "Hi! My CSV export fails since this morning."})
}

// then runs the steps in order, each on the id the previous one returned.
func then(first func(*trigger) (string, error), steps ...func(t *trigger, id string) (string, error)) func(*trigger) error {
	return func(t *trigger) error {
		id, err := first(t)
		for _, step := range steps {
			if err != nil {
				return err
			}
			id, err = step(t, id)
		}
		return err
	}
}

func patch(path string, body map[string]any) func(*trigger, string) (string, error) {
	return func(t *trigger, id string) (string, error) { return t.call("PATCH", path+id, body) }
}

func remove(path string) func(*trigger, string) (string, error) {
	return func(t *trigger, id string) (string, error) {
		_, err := t.call("DELETE", path+id, nil)
		return id, err
	}
}

func conversationPart(partType, author string) func(*trigger, string) (string, error) {
	return func(t *trigger, id string) (string, error) {
		u, err := t.user(author)
		if err != nil {
			return "", err
		}
		_, err = t.call("POST", "/v1/conversations/"+id+"/parts", map[string]any{"partType": partType, "authorId": u,
			"bodyMarkdown": "Thanks, we are looking into it."})
		return id, err
	}
}

func conversationPatch(body func(t *trigger) (map[string]any, error)) func(*trigger, string) (string, error) {
	return func(t *trigger, id string) (string, error) {
		b, err := body(t)
		if err != nil {
			return "", err
		}
		_, err = t.call("PATCH", "/v1/conversations/"+id, b)
		return id, err
	}
}

func fixed(body map[string]any) func(*trigger) (map[string]any, error) {
	return func(*trigger) (map[string]any, error) { return body, nil }
}

func snooze(*trigger) (map[string]any, error) {
	return map[string]any{"state": "snoozed", "snoozedUntil": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, nil
}

func withUser(typ, field string, body map[string]any) func(*trigger) (map[string]any, error) {
	return func(t *trigger) (map[string]any, error) {
		u, err := t.user(typ)
		out := map[string]any{field: u}
		for k, v := range body {
			out[k] = v
		}
		return out, err
	}
}

func conversationAction(method, suffix, typ string, userInPath bool) func(*trigger, string) (string, error) {
	return func(t *trigger, id string) (string, error) {
		u, err := t.user(typ)
		if err != nil {
			return "", err
		}
		path, body := "/v1/conversations/"+id+suffix, any(map[string]any{"userId": u})
		if userInPath {
			path, body = path+"/"+u, nil
		}
		_, err = t.call(method, path, body)
		return id, err
	}
}

// triggers fire each of the 32 event types.
var triggers = map[string]func(*trigger) error{
	"MESSAGE_CREATED":   then((*trigger).message),
	"MESSAGE_UPDATED":   then((*trigger).message, patch("/v1/messages/", map[string]any{"read": true})),
	"DISCOVERY_CREATED": then((*trigger).discovery),
	"DISCOVERY_UPDATED": then((*trigger).discovery, patch("/v1/discoveries/", map[string]any{"title": "Users want PDF and CSV exports"})),
	"COMPONENT_CREATED": then((*trigger).component),
	"COMPONENT_UPDATED": then((*trigger).component, patch("/v1/components/", map[string]any{"description": "Charts and reports"})),
	"FEEDBACK_CREATED":  then((*trigger).feedback),
	"FEEDBACK_UPDATED":  then((*trigger).feedback, patch("/v1/feedback/", map[string]any{"starred": true})),

	"post.created": then((*trigger).post),
	"post.updated": then((*trigger).post, patch("/v1/posts/", map[string]any{"title": "Dark mode for the dashboard"})),
	"post.deleted": then((*trigger).post, remove("/v1/posts/")),
	"post.voted": then((*trigger).post, func(t *trigger, id string) (string, error) {
		u, err := t.user("lead")
		if err != nil {
			return "", err
		}
		_, err = t.call("POST", "/v1/posts/"+id+"/votes", map[string]any{"voterId": u})
		return id, err
	}),
	"changelog.published": func(t *trigger) error {
		id, err := t.call("POST", "/v1/changelogs", map[string]any{"title": "Dark mode is here",
			"content": "<p>Switch it on in your settings.</p>", "categories": []map[string]any{{"name": "New", "sendEmailNotification": true}}})
		if err == nil {
			_, err = t.call("POST", "/v1/changelogs/"+id+"/publish", map[string]any{"locale": "en"})
		}
		return err
	},
	"comment.created": then((*trigger).comment),
	"comment.updated": then((*trigger).comment, patch("/v1/comments/", map[string]any{"content": "<p>Yes please, soon!</p>"})),
	"comment.deleted": then((*trigger).comment, remove("/v1/comments/")),

	"conversation.user.created":       then((*trigger).conversation),
	"conversation.user.replied":       then((*trigger).conversation, conversationPart("user_msg", "customer")),
	"conversation.admin.replied":      then((*trigger).conversation, conversationPart("admin_msg", "admin")),
	"conversation.admin.noted":        then((*trigger).conversation, conversationPart("admin_note", "admin")),
	"conversation.admin.closed":       then((*trigger).conversation, conversationPatch(fixed(map[string]any{"state": "closed"}))),
	"conversation.admin.opened":       then((*trigger).conversation, conversationPatch(fixed(map[string]any{"state": "closed"})), conversationPatch(fixed(map[string]any{"state": "open"}))),
	"conversation.admin.snoozed":      then((*trigger).conversation, conversationPatch(snooze)),
	"conversation.admin.unsnoozed":    then((*trigger).conversation, conversationPatch(snooze), conversationPatch(fixed(map[string]any{"state": "open"}))),
	"conversation.admin.assigned":     then((*trigger).conversation, conversationPatch(withUser("admin", "adminAssigneeId", nil))),
	"conversation.priority.updated":   then((*trigger).conversation, conversationPatch(fixed(map[string]any{"priority": true}))),
	"conversation.handover_requested": then((*trigger).conversation, conversationPatch(fixed(map[string]any{"botConversationState": "handed_off_to_human"}))),
	"conversation.deleted":            then((*trigger).conversation, remove("/v1/conversations/")),
	"conversation.contact.attached":   then((*trigger).conversation, conversationAction("POST", "/participants", "lead", false)),
	"conversation.contact.detached":   then((*trigger).conversation, conversationAction("POST", "/participants", "lead", false), conversationAction("DELETE", "/participants", "lead", true)),
	"conversation.read":               then((*trigger).conversation, conversationAction("POST", "/read", "admin", false)),
	"conversation_part.redacted": then((*trigger).conversation, func(t *trigger, id string) (string, error) {
		u, err := t.user("admin")
		if err != nil {
			return "", err
		}
		part, err := t.call("POST", "/v1/conversations/"+id+"/parts", map[string]any{"partType": "admin_note", "authorId": u, "bodyMarkdown": "A card number, oops"})
		if err == nil {
			_, err = t.call("POST", "/v1/conversations/"+id+"/parts/"+part+"/redact", nil)
		}
		return id, err
	}),
}
