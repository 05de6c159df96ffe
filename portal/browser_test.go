package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/feedwire/feedwire"
)

// chromium returns the path of a Chromium to drive. Without one the test is skipped,
// unless FEEDWIRE_REQUIRE_BROWSER=1 (as ./scripts/test sets it), when it fails.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	const why = "no Chromium found on PATH (chromium, chromium-browser, google-chrome): apt-get install chromium"
	if os.Getenv("FEEDWIRE_REQUIRE_BROWSER") == "1" {
		t.Fatal(why + "; FEEDWIRE_REQUIRE_BROWSER=1 makes this a failure")
	}
	t.Skip(why + "; the browser tests are skipped")
	return ""
}

// newChromium starts a headless Chromium for t and returns a context of it; each
// tab made from it (newTab) is a browser profile of its own, with its own cookies.
func newChromium(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true))
	allocator, cancelAllocator := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAllocator)
	browser, cancel := chromedp.NewContext(allocator)
	t.Cleanup(cancel)
	// The first action starts the browser; it must not run under a timeout.
	if err := chromedp.Do(browser, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return browser
}

// tab is one browser profile driving the portal.
type tab struct {
	t   *testing.T
	ctx context.Context
	url string
}

func newTab(t *testing.T, browser context.Context, baseURL string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first action opens the tab, which lives as long as the context of that
	// action: it must not run under a timeout.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return &tab{t: t, ctx: ctx, url: baseURL}
}

// do runs steps, each page within 15 s.
func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v (at %s)", err, b.location())
	}
}

func (b *tab) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// text is the visible text of the first element that matches css.
func (b *tab) text(css string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("text of %s: %v (at %s)", css, err, b.location())
	}
	return s
}

// expect checks that the element css shows want.
func (b *tab) expect(css, want string) {
	b.t.Helper()
	if got := b.text(css); !strings.Contains(got, want) {
		b.t.Errorf("%s at %s shows %q, want it to contain %q", css, b.location(), got, want)
	}
}

// screenshot saves the whole page as name in $FEEDWIRE_ARTIFACTS, when it is set.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	dir := os.Getenv("FEEDWIRE_ARTIFACTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// receiver is a webhook endpoint on 127.0.0.1 that can be told to fail.
type receiver struct {
	*httptest.Server
	failing atomic.Bool
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.failing.Load() {
			http.Error(w, "the receiver is down for maintenance", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"received":true}`))
	}))
	t.Cleanup(r.Close)
	return r
}

// api calls the REST API with a key and decodes the answer.
func api(t *testing.T, base, key, method, path string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, base+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, out)
	}
	return out
}

// eventPayload returns the payload of the workspace's latest event of a type, as the
// REST API shows it.
func eventPayload(t *testing.T, base, key string, eventType feedwire.EventType) map[string]any {
	t.Helper()
	list := api(t, base, key, http.MethodGet, "/v1/events?type="+string(eventType), nil)
	data := list["data"].([]any)
	if len(data) == 0 {
		t.Fatalf("no %s event", eventType)
	}
	return data[0].(map[string]any)["payload"].(map[string]any)
}

// TestBrowser drives the portal in headless Chromium: sign in, create a webhook to a
// local receiver, see a delivery and its attempt, fail the receiver, retry, see the
// new attempt, replay an hour and follow its progress, and open a conversation and a
// post at the URLs their events carry, signed in and signed out.
func TestBrowser(t *testing.T) {
	browser := newChromium(t)
	w := newWorld(t)
	recv := newReceiver(t)
	b := newTab(t, browser, w.url)

	// Signed out, the portal asks to sign in, then goes where the browser was going.
	b.do(chromedp.Navigate(w.url + "/webhooks"))
	if loc := b.location(); !strings.HasSuffix(loc, "/signin?next=%2Fwebhooks") {
		t.Fatalf("signed out at /webhooks: the browser is at %s, want the sign-in page", loc)
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#key"), w.keyA), chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/webhooks/new"]`)))
	b.expect("h1", "Webhooks")

	// Create a webhook to the receiver, with the topic picker.
	b.do(chromedp.Click(chromedp.CSS(`a[href="/webhooks/new"]`)), chromedp.WaitVisible(chromedp.CSS("#name")))
	b.screenshot("webhook-form.png")
	b.do(chromedp.SendKeys(chromedp.CSS("#name"), "Orders service"),
		chromedp.SendKeys(chromedp.CSS("#url"), recv.URL+"/hooks/feedwire"),
		chromedp.Click(chromedp.CSS(`[id="topic-post.created"]`)),
		chromedp.Click(chromedp.CSS(`[id="topic-conversation.user.created"]`)),
		chromedp.Click(chromedp.CSS(`form.webhook-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	b.expect("h1", "Orders service")
	if secret := b.text(".notice"); !strings.Contains(secret, "Webhook created") {
		t.Errorf("after create the notice is %q", secret)
	}
	hookPath := strings.TrimPrefix(b.location(), w.url)

	// Fire events through the REST API: a post and a conversation.
	user := api(t, w.url, w.keyA, http.MethodPost, "/v1/users", map[string]any{"name": "Ada Lovelace", "type": "customer"})
	board := api(t, w.url, w.keyA, http.MethodPost, "/v1/boards", map[string]any{"name": "Feature requests"})
	post := api(t, w.url, w.keyA, http.MethodPost, "/v1/posts", map[string]any{"title": "Dark mode", "content": "<p>Please add a dark theme.</p>",
		"boardId": board["id"], "authorId": user["id"]})
	conversation := api(t, w.url, w.keyA, http.MethodPost, "/v1/conversations", map[string]any{"title": "CSV export fails",
		"contactId": user["id"], "bodyMarkdown": "The export to CSV stops at 1,000 rows."})
	// More of each for their pages to show, of topics the webhook does not take.
	admin := api(t, w.url, w.keyA, http.MethodPost, "/v1/users", map[string]any{"name": "Grace Hopper", "type": "admin"})
	api(t, w.url, w.keyA, http.MethodPost, "/v1/posts/"+post["id"].(string)+"/votes", map[string]any{"voterId": admin["id"]})
	api(t, w.url, w.keyA, http.MethodPost, "/v1/comments", map[string]any{"postId": post["id"], "authorId": admin["id"],
		"content": "<p>On the roadmap for the next release.</p>"})
	api(t, w.url, w.keyA, http.MethodPost, "/v1/conversations/"+conversation["id"].(string)+"/parts", map[string]any{
		"partType": "admin_msg", "authorId": admin["id"], "bodyMarkdown": "Thanks Ada, we are looking into it."})
	api(t, w.url, w.keyA, http.MethodPatch, "/v1/conversations/"+conversation["id"].(string), map[string]any{"adminAssigneeId": admin["id"]})
	ctx := context.Background()
	succeeded := func() int {
		page, _ := w.store.Deliveries(ctx, w.wsA, feedwire.DeliveryFilter{ListParams: feedwire.ListParams{Limit: 10}, Status: feedwire.DeliverySucceeded})
		return len(page.Items)
	}
	waitFor(t, "both deliveries to succeed", func() bool { return succeeded() == 2 })

	// The delivery and its attempt.
	b.do(chromedp.Navigate(w.url+"/deliveries?topic=post.created"), chromedp.Click(chromedp.CSS("table.list tbody a.mono")),
		chromedp.WaitVisible(chromedp.CSS("details.attempt")))
	b.expect("details.attempt summary", "Attempt 1")
	b.expect("details.attempt summary", "HTTP 200")
	b.expect("details.attempt", `"received": true`)
	deliveryPath := strings.TrimPrefix(b.location(), w.url)

	// The receiver fails; a retry makes a second attempt, shown first.
	recv.failing.Store(true)
	b.do(chromedp.Click(chromedp.CSS(`form[action$="/retry"] button`)), chromedp.WaitVisible(chromedp.CSS(".notice")))
	b.expect(".notice", "Retry queued")
	id := strings.TrimPrefix(deliveryPath, "/deliveries/")
	waitFor(t, "the retry's attempt", func() bool {
		attempts, _ := w.store.Attempts(ctx, w.wsA, id)
		return len(attempts) == 2
	})
	b.do(chromedp.Navigate(w.url+deliveryPath), chromedp.WaitVisible(chromedp.CSS("details.attempt")))
	b.expect("details.attempt summary", "Attempt 2")
	b.expect("details.attempt summary", "HTTP 503")
	b.expect("details.attempt", "down for maintenance")
	b.screenshot("delivery-detail.png")

	// The webhook's charts and the list with its health.
	b.do(chromedp.Navigate(w.url+hookPath), chromedp.WaitVisible(chromedp.CSS("svg#outcomes rect.bar-ok")),
		chromedp.WaitVisible(chromedp.CSS("svg#outcomes rect.bar-fail")), chromedp.WaitVisible(chromedp.CSS("svg#latency polyline, svg#latency rect")))
	b.screenshot("webhook-charts.png")
	b.do(chromedp.Navigate(w.url+"/webhooks"), chromedp.WaitVisible(chromedp.CSS("table.list")))
	b.expect("table.list tbody", "Orders service")
	b.expect("table.list tbody .badge", "1 failed attempt since last success")
	b.screenshot("webhooks-list.png")
	b.do(chromedp.EmulateViewport(375, 812, chromedp.EmulateScale(2)), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("table.list")))
	b.screenshot("webhooks-list-375.png")
	b.do(chromedp.EmulateViewport(1280, 900))

	// A replay of the last hour, followed live to its end.
	recv.failing.Store(false)
	b.do(chromedp.Navigate(w.url+hookPath), chromedp.Click(chromedp.CSS(`form[action$="/replay"] button`)),
		chromedp.WaitVisible(chromedp.CSS("[data-job-progress]")))
	waitFor(t, "the replay to be shown done", func() bool { return b.text("[data-job-status]") == "succeeded" })
	b.expect("[data-job-text]", "2 of 2 deliveries queued")

	// The conversationUrl and postUrl of the events open their pages.
	conversationURL := eventPayload(t, w.url, w.keyA, "conversation.user.created")["conversationUrl"].(string)
	postURL := eventPayload(t, w.url, w.keyA, "post.created")["data"].(map[string]any)["item"].(map[string]any)["postUrl"].(string)
	if !strings.HasPrefix(conversationURL, w.url+"/conversations/") || !strings.HasPrefix(postURL, w.url+"/p/") {
		t.Fatalf("the events carry %s and %s, want URLs of this server", conversationURL, postURL)
	}
	b.do(chromedp.Navigate(conversationURL), chromedp.WaitVisible(chromedp.CSS("ol.parts")))
	b.expect("h1", "CSV export fails")
	b.expect("ol.parts", "stops at 1,000 rows")
	b.expect("ol.parts", "we are looking into it")
	b.expect("dl.facts", "Grace Hopper")
	b.screenshot("conversation.png")
	b.do(chromedp.Navigate(postURL), chromedp.WaitVisible(chromedp.CSS(".post-body")))
	b.expect("h1", "Dark mode")
	b.expect(".post-body", "Please add a dark theme.")
	b.expect(".votes", "1")
	b.expect("ol.parts", "On the roadmap")
	b.screenshot("post.png")

	// A signed-out browser at those URLs is asked to sign in, then sees the page.
	out := newTab(t, browser, w.url)
	for _, u := range []string{postURL, conversationURL} {
		out.do(chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS("#key")))
		path := strings.TrimPrefix(u, w.url)
		if want := w.url + "/signin?next=" + url.QueryEscape(path); out.location() != want {
			t.Errorf("signed out at %s: the browser is at %s, want %s", path, out.location(), want)
		}
	}
	out.do(chromedp.SendKeys(chromedp.CSS("#key"), w.keyA), chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("ol.parts")))
	out.expect("h1", "CSV export fails")
}
