package portal_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/feedwire/feedwire"
)

// TestSignInAndOut: a signed-out browser is sent to sign in and back; a wrong key is
// refused; the cookie holds a session token, not the key; signing out ends it.
func TestSignInAndOut(t *testing.T) {
	w := newWorld(t)
	b := w.browser(t)

	p := b.get("/webhooks?after=x")
	if p.status != http.StatusSeeOther || p.location != "/signin?next="+url.QueryEscape("/webhooks?after=x") {
		t.Fatalf("signed out: got %d to %q, want 303 to the sign-in page with next", p.status, p.location)
	}
	if p := b.get(p.location); p.status != http.StatusOK || !strings.Contains(p.body, `<label for="key">API key</label>`) {
		t.Fatalf("sign-in page: got %d without its labelled key field", p.status)
	}

	p = b.post("/signin", url.Values{"key": {"fw_wrong"}, "next": {"/webhooks"}})
	if p.status != http.StatusUnauthorized || len(p.cookies) != 0 || !strings.Contains(p.body, "not accepted") {
		t.Errorf("wrong key: got %d with %d cookies, want 401 saying so, no cookie", p.status, len(p.cookies))
	}
	if p := b.post("/signin", url.Values{"key": {""}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("no key: got %d, want 422", p.status)
	}

	p = b.post("/signin", url.Values{"key": {w.keyA}, "next": {"/webhooks?after=x"}})
	if p.status != http.StatusSeeOther || p.location != "/webhooks?after=x" {
		t.Fatalf("sign in: got %d to %q, want 303 back to /webhooks?after=x", p.status, p.location)
	}
	if len(p.cookies) != 1 {
		t.Fatalf("sign in set %d cookies, want 1", len(p.cookies))
	}
	c := p.cookies[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure || c.Path != "/" || c.MaxAge != 12*3600 {
		t.Errorf("cookie %s: HttpOnly %v, SameSite %v, Secure %v, Path %q, MaxAge %d; want HttpOnly, Strict, not Secure over http, /, 12 h",
			c.Name, c.HttpOnly, c.SameSite, c.Secure, c.Path, c.MaxAge)
	}
	if strings.Contains(c.Value, w.keyA) || len(c.Value) < 40 {
		t.Errorf("the cookie holds %q: want a long random token, not the key", c.Value)
	}
	if p := b.get("/webhooks"); p.status != http.StatusOK {
		t.Fatalf("signed in: /webhooks is %d, want 200", p.status)
	}
	if p := b.get("/signin?next=/events"); p.status != http.StatusSeeOther || p.location != "/events" {
		t.Errorf("sign-in page when signed in: got %d to %q, want 303 on to /events", p.status, p.location)
	}

	csrf := b.csrf()
	p = b.post("/signout", url.Values{"csrf": {csrf}})
	if p.status != http.StatusSeeOther || p.location != "/signin" {
		t.Fatalf("sign out: got %d to %q, want 303 to /signin", p.status, p.location)
	}
	b.client.Jar.SetCookies(mustURL(t, w.url), []*http.Cookie{c}) // the old cookie, kept by someone
	if p := b.get("/webhooks"); p.status != http.StatusSeeOther {
		t.Errorf("after sign out, the old cookie still works: %d", p.status)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestSecureCookie: the cookie is Secure when the public URL is https.
func TestSecureCookie(t *testing.T) {
	w := newWorldAt(t, "https://feedback.example.com")
	b := w.browser(t)
	p := b.postFrom("https://feedback.example.com", "/signin", url.Values{"key": {w.keyA}})
	if p.status != http.StatusSeeOther || len(p.cookies) != 1 || !p.cookies[0].Secure {
		t.Fatalf("sign in behind https: got %d, cookies %v; want a Secure cookie", p.status, p.cookies)
	}
}

// TestOnlyLocalReturn: after signing in, a browser goes on only to a path of the
// portal, whatever next says.
func TestOnlyLocalReturn(t *testing.T) {
	w := newWorld(t)
	for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "webhooks", ""} {
		b := w.browser(t)
		p := b.post("/signin", url.Values{"key": {w.keyA}, "next": {next}})
		if p.status != http.StatusSeeOther || p.location != "/" {
			t.Errorf("next %q: got %d to %q, want 303 to /", next, p.status, p.location)
		}
	}
}

// TestRevokedKeyEndsSession: the key is checked on every request.
func TestRevokedKeyEndsSession(t *testing.T) {
	w := newWorld(t)
	b := w.browser(t)
	b.signIn(w.keyA)
	if _, err := w.store.RevokeAPIKey(context.Background(), w.wsA, w.keyAID); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/webhooks"); p.status != http.StatusSeeOther {
		t.Errorf("a session of a revoked key: got %d, want 303 to sign in", p.status)
	}
}

// TestCSRF: a form without the session's token, or from another origin, or from no
// known origin, is refused and changes nothing.
func TestCSRF(t *testing.T) {
	w := newWorld(t)
	hook := w.featurebaseHook(t, w.wsA, "orders", "https://example.com/hook", "post.created")
	b := w.browser(t)
	b.signIn(w.keyA)
	csrf := b.csrf()
	path := "/webhooks/" + hook.ID + "/pause"
	for _, c := range []struct {
		name   string
		origin string
		form   url.Values
	}{
		{"no token", w.url, url.Values{}},
		{"a wrong token", w.url, url.Values{"csrf": {"x" + csrf}}},
		{"another origin", "https://evil.example", url.Values{"csrf": {csrf}}},
		{"no origin", "", url.Values{"csrf": {csrf}}},
	} {
		if p := b.postFrom(c.origin, path, c.form); p.status != http.StatusForbidden {
			t.Errorf("%s: got %d, want 403", c.name, p.status)
		}
	}
	if got, _ := w.webhooks.Webhook(context.Background(), w.wsA, hook.ID); got.Status != feedwire.WebhookActive {
		t.Fatalf("a refused form paused the webhook")
	}
	if p := b.post(path, url.Values{"csrf": {csrf}}); p.status != http.StatusSeeOther {
		t.Fatalf("the right form: got %d, want 303", p.status)
	}
	if got, _ := w.webhooks.Webhook(context.Background(), w.wsA, hook.ID); got.Status != feedwire.WebhookPaused {
		t.Errorf("the webhook is %s, want paused", got.Status)
	}
	if p := b.postFrom("https://evil.example", "/signin", url.Values{"key": {w.keyA}}); p.status != http.StatusForbidden {
		t.Errorf("a sign-in form from another origin: got %d, want 403", p.status)
	}
}

// TestTenancy: workspace A sees none of B's webhooks, deliveries, events,
// conversations or posts, by any id, and cannot act on them.
func TestTenancy(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	receiver := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer receiver.Close()
	hookB := w.featurebaseHook(t, w.wsB, "globex secret hook", receiver.URL, "post.created", "conversation.user.created")
	b := w.addContent(t, w.wsB)
	d, err := w.webhooks.TestWebhook(ctx, w.wsB, hookB.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	events, err := w.store.Events(ctx, w.wsB, feedwire.EventFilter{ListParams: feedwire.ListParams{Limit: 1}})
	if err != nil {
		t.Fatal(err)
	}
	job, err := w.store.StartJob(ctx, w.wsB, hookB.ID, feedwire.JobReplay, b.post.CreatedAt, nil)
	if err != nil {
		t.Fatal(err)
	}

	a := w.browser(t)
	a.signIn(w.keyA)
	for _, path := range []string{
		"/webhooks/" + hookB.ID, "/webhooks/" + hookB.ID + "/edit", "/deliveries/" + d.ID, "/events/" + events.Items[0].ID,
		"/conversations/" + b.conversation.ID, "/p/" + b.post.Slug, "/jobs/" + job.ID, "/jobs/" + job.ID + "/progress",
	} {
		if p := a.get(path); p.status != http.StatusNotFound {
			t.Errorf("GET %s of workspace B: got %d, want 404", path, p.status)
		}
	}
	csrf := a.csrf()
	for _, path := range []string{
		"/webhooks/" + hookB.ID, "/webhooks/" + hookB.ID + "/pause", "/webhooks/" + hookB.ID + "/secret",
		"/webhooks/" + hookB.ID + "/rotate", "/webhooks/" + hookB.ID + "/test", "/deliveries/" + d.ID + "/retry",
		"/webhooks/" + hookB.ID + "/replay",
	} {
		form := url.Values{"csrf": {csrf}, "grace": {"0s"}, "since": {"2025-01-15T10:00"}, "name": {"x"}, "url": {"https://example.com"}, "topics": {"post.created"}}
		if p := a.post(path, form); p.status != http.StatusNotFound {
			t.Errorf("POST %s of workspace B: got %d, want 404", path, p.status)
		}
	}
	after, _ := w.webhooks.Webhook(ctx, w.wsB, hookB.ID)
	if after.Status != feedwire.WebhookActive || after.Secret != hookB.Secret || after.Name != hookB.Name {
		t.Errorf("workspace A changed B's webhook: %s, %q", after.Status, after.Name)
	}
	for _, path := range []string{"/webhooks", "/deliveries", "/events"} {
		if p := a.get(path); strings.Contains(p.body, hookB.Name) || strings.Contains(p.body, d.ID) || strings.Contains(p.body, b.post.ID) {
			t.Errorf("%s of workspace A shows B's data", path)
		}
	}
}

// TestBadWebhookForm: a form with bad input says what is wrong, field by field, keeps
// what was typed, and changes nothing.
func TestBadWebhookForm(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	b := w.browser(t)
	b.signIn(w.keyA)
	csrf := b.csrf()
	p := b.post("/webhooks", url.Values{"csrf": {csrf}, "name": {""}, "url": {"ftp://example.com"}, "format": {"featurebase"},
		"topics": {"MESSAGE_CREATED"}, "timeoutMs": {"soon"}})
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: got %d, want 422", p.status)
	}
	for _, want := range []string{`id="name-error"`, `id="url-error"`, `id="topics-error"`, `id="timeout-error"`,
		"must be a whole number of milliseconds", `value="ftp://example.com"`, `aria-invalid="true"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the form's answer lacks %s", want)
		}
	}
	if page, _ := w.webhooks.Webhooks(ctx, w.wsA, feedwire.ListParams{Limit: 10}); len(page.Items) != 0 {
		t.Errorf("a bad form created %d webhooks", len(page.Items))
	}

	hook := w.featurebaseHook(t, w.wsA, "orders", "https://example.com/hook", "post.created")
	p = b.post("/webhooks/"+hook.ID, url.Values{"csrf": {csrf}, "name": {"renamed"}, "url": {"https://example.com/hook"},
		"topics": {"post.created"}, "timeoutMs": {"999999"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="timeout-error"`) {
		t.Errorf("bad edit: got %d, want 422 naming the timeout", p.status)
	}
	if got, _ := w.webhooks.Webhook(ctx, w.wsA, hook.ID); got.Name != "orders" {
		t.Errorf("a bad edit renamed the webhook to %q", got.Name)
	}
	for _, c := range []struct{ path, field string }{
		{"/webhooks/" + hook.ID + "/rotate", "grace"}, {"/webhooks/" + hook.ID + "/replay", "since"},
	} {
		if p := b.post(c.path, url.Values{"csrf": {csrf}, c.field: {"whenever"}}); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, c.field) {
			t.Errorf("POST %s with a bad %s: got %d, want 422 naming it", c.path, c.field, p.status)
		}
	}
	if got, _ := w.webhooks.Webhook(ctx, w.wsA, hook.ID); got.Secret != hook.Secret {
		t.Error("a bad rotation changed the secret")
	}
	if p := b.get("/deliveries?since=yesterday&status=lost"); p.status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.body, "since: must be a date") || !strings.Contains(p.body, "status: must be") {
		t.Errorf("bad delivery filter: got %d, want 422 naming since and status", p.status)
	}
}

// TestFormFormats: the form creates webhooks of the chat and operational formats, each
// with the topics of its own fieldset, and refuses a topic of another format.
func TestFormFormats(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	b := w.browser(t)
	b.signIn(w.keyA)
	csrf := b.csrf()
	for _, c := range []struct{ format, topic string }{{"slack", "post.created"}, {"operational", "webhook.suspended"}} {
		p := b.post("/webhooks", url.Values{"csrf": {csrf}, "name": {c.format}, "url": {"https://example.com/" + c.format},
			"format": {c.format}, "topics": {c.topic}, "timeoutMs": {"5000"}, "ordering": {"unordered"}})
		if p.status != http.StatusOK && p.status != http.StatusSeeOther {
			t.Fatalf("create a %s webhook: got %d\n%s", c.format, p.status, p.body)
		}
	}
	page, err := w.webhooks.Webhooks(ctx, w.wsA, feedwire.ListParams{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	formats := map[feedwire.Format][]feedwire.EventType{}
	for _, h := range page.Items {
		formats[h.Format] = h.Topics
	}
	if !slices.Equal(formats["slack"], []feedwire.EventType{"post.created"}) ||
		!slices.Equal(formats["operational"], []feedwire.EventType{"webhook.suspended"}) {
		t.Errorf("the form created %v", formats)
	}
	p := b.post("/webhooks", url.Values{"csrf": {csrf}, "name": {"mixed"}, "url": {"https://example.com/mixed"},
		"format": {"operational"}, "topics": {"post.created"}, "timeoutMs": {"5000"}, "ordering": {"unordered"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="topics-error"`) {
		t.Errorf("an operational webhook of post.created: got %d, want 422 naming the topics", p.status)
	}
}

// TestPages renders every page of a workspace with something on it.
func TestPages(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("thanks")) }))
	defer receiver.Close()
	hook := w.featurebaseHook(t, w.wsA, "orders", receiver.URL, "post.created", "conversation.user.created", "conversation.admin.replied")
	c := w.addContent(t, w.wsA)
	var d feedwire.Delivery
	waitFor(t, "a delivery to succeed", func() bool {
		page, _ := w.store.Deliveries(ctx, w.wsA, feedwire.DeliveryFilter{ListParams: feedwire.ListParams{Limit: 1}, Status: feedwire.DeliverySucceeded})
		if len(page.Items) == 0 {
			return false
		}
		d = page.Items[0]
		return true
	})
	events, _ := w.store.Events(ctx, w.wsA, feedwire.EventFilter{ListParams: feedwire.ListParams{Limit: 1}, Types: []feedwire.EventType{"post.created"}})
	job, err := w.store.StartJob(ctx, w.wsA, hook.ID, feedwire.JobRecover, c.post.CreatedAt, nil)
	if err != nil {
		t.Fatal(err)
	}

	b := w.browser(t)
	b.signIn(w.keyA)
	for _, c := range []struct {
		path string
		want []string
	}{
		{"/", nil},
		{"/webhooks", []string{"orders", "healthy"}},
		{"/webhooks/new", []string{`id="topic-post.created"`, `id="topic-MESSAGE_CREATED"`, `id="topic-slack-post.created"`,
			`value="operational"`, `id="topic-webhook.suspended"`}},
		{"/webhooks/" + hook.ID, []string{"<svg", `class="bar-ok"`, "line-p50", "Recover from"}},
		{"/webhooks/" + hook.ID + "/edit", []string{`value="orders"`, "checked"}},
		{"/deliveries", []string{d.ID}},
		{"/deliveries?webhook=" + hook.ID + "&status=succeeded&topic=post.created&since=2020-01-01T00:00", []string{"post.created"}},
		{"/deliveries/" + d.ID, []string{"Attempt 1", "thanks", "Retry now"}},
		{"/event-types", []string{"MESSAGE_CREATED", "conversation_part.redacted", "JSON Schema", "webhook.suspended", "operational (4)"}},
		{"/events?type=post.created", []string{"post.created"}},
		{"/events?resource=" + c.post.ID, []string{"post.voted"}},
		{"/events/" + events.Items[0].ID, []string{"Open the post", "Dark mode"}},
		{"/conversations/" + c.conversation.ID, []string{"CSV export fails", "Ada Lovelace", "Grace Hopper", "looking into it", "open"}},
		{"/p/" + c.post.Slug, []string{"Dark mode", "Please add a dark theme.", "Yes, please!", "In Review", `class="votes">1<`}},
		{"/jobs/" + job.ID, []string{"Recover", "orders"}},
		{"/jobs/" + job.ID + "/progress", []string{`"status"`}},
	} {
		p := b.get(c.path)
		if c.path == "/" {
			if p.status != http.StatusSeeOther || p.location != "/webhooks" {
				t.Errorf("/: got %d to %q, want 303 to /webhooks", p.status, p.location)
			}
			continue
		}
		if p.status != http.StatusOK {
			t.Errorf("GET %s: got %d, want 200\n%s", c.path, p.status, p.body)
			continue
		}
		for _, want := range c.want {
			if !strings.Contains(p.body, want) {
				t.Errorf("GET %s lacks %q", c.path, want)
			}
		}
	}
	if p := b.get("/static/portal.css"); p.status != http.StatusOK {
		t.Errorf("the style sheet is %d", p.status)
	}
	if p := b.get("/no/such/page"); p.status != http.StatusNotFound {
		t.Errorf("an unknown page is %d, want 404", p.status)
	}
}

// TestAPIUnchanged: the API's paths stay the API's beside the portal, and the
// request metrics count the portal's pages as the route "portal".
func TestAPIUnchanged(t *testing.T) {
	w := newWorld(t)
	for _, c := range []struct {
		path, auth string
		want       int
	}{
		{"/healthz", "", http.StatusOK},
		{"/v1/webhooks", "", http.StatusUnauthorized},
		{"/v1/webhooks", "Bearer " + w.keyA, http.StatusOK},
		{"/v1/no-such-thing", "Bearer " + w.keyA, http.StatusNotFound},
	} {
		req, _ := http.NewRequest(http.MethodGet, w.url+c.path, nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want || strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("GET %s: got %d %s, want %d from the API", c.path, resp.StatusCode, resp.Header.Get("Content-Type"), c.want)
		}
	}
	w.browser(t).get("/webhooks")
	for _, route := range []string{"/v1/webhooks", "portal"} {
		if _, ok := w.routes.Load(route); !ok {
			t.Errorf("the request metrics were not told of route %q", route)
		}
	}
}

// TestCrossSiteLinkReloads: a link followed from another site (a conversationUrl in a
// chat) comes without the SameSite=Strict cookie; the portal has the browser load it
// again from itself, which sends the cookie, rather than ask a signed-in user to sign in.
func TestCrossSiteLinkReloads(t *testing.T) {
	w := newWorld(t)
	b := w.browser(t)
	req, _ := http.NewRequest(http.MethodGet, w.url+"/conversations/abc", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := b.do(req); p.status != http.StatusOK || !strings.Contains(p.body, `http-equiv="refresh"`) {
		t.Errorf("a cross-site link: got %d, want 200 with a page that loads it again", p.status)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if p := b.do(req); p.status != http.StatusSeeOther {
		t.Errorf("the same link loaded again, without a session: got %d, want 303 to sign in", p.status)
	}
}

// TestDeliveryControlsForm sets a webhook's rate limit, ordering and filter from the
// form, shows them, refuses bad ones beside their fields without changing anything, and
// clears them.
func TestDeliveryControlsForm(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	b := w.browser(t)
	b.signIn(w.keyA)
	csrf := b.csrf()
	hook := w.featurebaseHook(t, w.wsA, "orders", "https://example.com/hook", "post.created")
	form := func(rate, burst, ordering, filter string) url.Values {
		return url.Values{"csrf": {csrf}, "name": {"orders"}, "url": {"https://example.com/hook"}, "topics": {"post.created"},
			"timeoutMs": {"5000"}, "ratePerSecond": {rate}, "rateBurst": {burst}, "ordering": {ordering}, "filter": {filter}}
	}
	if p := b.post("/webhooks/"+hook.ID, form("10", "3", "fifo", `{"data.item.upvotes": {"$gte": 10}}`)); p.status != http.StatusOK && p.status != http.StatusSeeOther {
		t.Fatalf("saving the controls: got %d\n%s", p.status, p.body)
	}
	got, _ := w.webhooks.Webhook(ctx, w.wsA, hook.ID)
	if got.RateLimit == nil || *got.RateLimit != (feedwire.RateLimit{PerSecond: 10, Burst: 3}) || got.Ordering != feedwire.OrderingFIFO || got.Filter == nil {
		t.Fatalf("saved rate limit %v, ordering %s, filter %s", got.RateLimit, got.Ordering, got.Filter)
	}
	page := b.get("/webhooks/" + hook.ID)
	for _, want := range []string{"10 a second, bursts of 3", "fifo: one at a time", "$gte"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the webhook's page lacks %q", want)
		}
	}
	if edit := b.get("/webhooks/" + hook.ID + "/edit"); !strings.Contains(edit.body, `value="10"`) || !strings.Contains(edit.body, `value="fifo" selected`) {
		t.Error("the edit form does not show the saved controls")
	}
	for _, bad := range []struct{ rate, filter, field string }{
		{"ten", "", `id="rate-error"`},
		{"0", "", `id="rate-error"`},
		{"", `{"data.votes": {"$gt": true}}`, `id="filter-error"`},
		{"", `not json`, `id="filter-error"`},
	} {
		p := b.post("/webhooks/"+hook.ID, form(bad.rate, "", "unordered", bad.filter))
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, bad.field) {
			t.Errorf("rate %q, filter %q: got %d, want 422 with %s", bad.rate, bad.filter, p.status, bad.field)
		}
	}
	if again, _ := w.webhooks.Webhook(ctx, w.wsA, hook.ID); again.Ordering != feedwire.OrderingFIFO || again.RateLimit == nil {
		t.Error("a refused form changed the controls")
	}
	b.post("/webhooks/"+hook.ID, form("", "", "unordered", ""))
	if cleared, _ := w.webhooks.Webhook(ctx, w.wsA, hook.ID); cleared.RateLimit != nil || cleared.Filter != nil || cleared.Ordering != feedwire.OrderingUnordered {
		t.Errorf("clearing left rate limit %v, filter %s, ordering %s", cleared.RateLimit, cleared.Filter, cleared.Ordering)
	}
}
