package portal

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Limits of the sessions.
const (
	sessionLifetime = 12 * time.Hour
	// maxSessions bounds the memory sessions take: signing in again and again with a
	// valid key cannot grow it without end.
	maxSessions = 10000
	cookieName  = "feedwire_session"
	// maxFormSize bounds a form's body; the largest, a webhook's, is far smaller.
	maxFormSize = 64 << 10
)

// session is a signed-in browser. Its token, in the cookie, is random and not the key:
// the key stays on the server, re-checked on every request, so a revoked or expired
// key ends its sessions at once.
type session struct {
	token       string
	csrf        string // in every form of the session's pages
	workspaceID string
	key         string
	expires     time.Time
	notice      *notice // shown once, on the next page
}

// notice is what a page says once after an action: "Webhook paused", or a secret just
// revealed or made, which is never put in a URL.
type notice struct {
	Text   string
	Secret string
}

// sessions are the signed-in browsers, in memory: a restart signs everyone out.
type sessions struct {
	mu      sync.Mutex
	byToken map[string]*session
	now     func() time.Time
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{byToken: map[string]*session{}, now: now}
}

// start begins a session of the workspace, signed in with key.
func (ss *sessions) start(workspaceID, key string) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	if len(ss.byToken) >= maxSessions {
		ss.dropExpired(now)
	}
	if len(ss.byToken) >= maxSessions {
		ss.dropSoonestExpiring()
	}
	s := &session{token: randomToken(), csrf: randomToken(), workspaceID: workspaceID, key: key,
		expires: now.Add(sessionLifetime)}
	ss.byToken[s.token] = s
	return s
}

func (ss *sessions) dropExpired(now time.Time) {
	for token, s := range ss.byToken {
		if !now.Before(s.expires) {
			delete(ss.byToken, token)
		}
	}
}

func (ss *sessions) dropSoonestExpiring() {
	var soonest *session
	for _, s := range ss.byToken {
		if soonest == nil || s.expires.Before(soonest.expires) {
			soonest = s
		}
	}
	delete(ss.byToken, soonest.token)
}

// get returns the live session of a token.
func (ss *sessions) get(token string) (*session, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.byToken[token]
	if ok && !ss.now().Before(s.expires) {
		delete(ss.byToken, token)
		return nil, false
	}
	return s, ok
}

// end ends a session.
func (ss *sessions) end(token string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.byToken, token)
}

// setNotice keeps n for the session's next page.
func (ss *sessions) setNotice(s *session, n notice) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s.notice = &n
}

// takeNotice returns the session's notice, once.
func (ss *sessions) takeNotice(s *session) *notice {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	n := s.notice
	s.notice = nil
	return n
}

// randomToken returns 256 random bits, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never returns an error
	return base64.RawURLEncoding.EncodeToString(b)
}

// signedIn runs page for a browser signed in with a key that still works. Any other
// is sent to sign in, and back here afterwards. A POST must also come from the
// portal's own origin and carry the session's CSRF token.
func (p *portal) signedIn(page pageHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := p.session(r)
		if !ok {
			p.askToSignIn(w, r)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormSize)
			if !p.sameOrigin(r) || r.ParseForm() != nil || !validCSRF(r.PostForm.Get("csrf"), s.csrf) {
				p.renderError(w, r, s, http.StatusForbidden,
					"This form was refused: it did not come from a page of this portal, or the page was from an earlier session. Go back, reload the page and try again.")
				return
			}
		}
		if err := page(w, r, s); err != nil {
			p.fail(w, r, s, err)
		}
	})
}

// session returns the request's session, if its key still works.
func (p *portal) session(r *http.Request) (*session, bool) {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return nil, false
	}
	s, ok := p.sessions.get(c.Value)
	if !ok {
		return nil, false
	}
	ws, err := p.Workspaces.Authenticate(r.Context(), s.key)
	if err != nil || ws.ID != s.workspaceID {
		p.sessions.end(s.token) // the key was revoked or expired
		return nil, false
	}
	return s, true
}

// askToSignIn sends a browser that is not signed in to the sign-in page, which sends
// it back to where it was going.
func (p *portal) askToSignIn(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		// A link followed from elsewhere (a conversationUrl in a chat, say) comes
		// without the SameSite=Strict cookie. Loading the page again from here sends
		// it, so a signed-in browser gets its page rather than the sign-in form.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><meta http-equiv="refresh" content="0"><title>Opening…</title>`))
		return
	}
	next := "/"
	if r.Method == http.MethodGet {
		next = r.URL.RequestURI()
	}
	http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
}

// sameOrigin reports whether a form was posted from a page of the portal: its Origin,
// or its Referer when a browser sent no Origin, is the public URL's or the request's
// own. A request with neither is refused.
func (p *portal) sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		ref, err := url.Parse(r.Header.Get("Referer"))
		if err != nil || ref.Host == "" {
			return false
		}
		origin = ref.Scheme + "://" + ref.Host
	}
	return (p.publicOrigin != "" && origin == p.publicOrigin) || origin == requestOrigin(r)
}

// requestOrigin is the origin the request was sent to.
func requestOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func validCSRF(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// localPath returns next when it is a path on this server, "/" otherwise: after
// signing in, a browser is sent only within the portal, never to another site.
func localPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil ||
		!strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	return next
}

// signInPage shows the sign-in form, or sends a signed-in browser on.
func (p *portal) signInPage(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if _, ok := p.session(r); ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	p.render(w, r, nil, http.StatusOK, "signin", "Sign in", signInView{Next: next})
}

type signInView struct {
	Next  string
	Error string
}

// signIn starts a session for a valid API key.
func (p *portal) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormSize)
	if !p.sameOrigin(r) || r.ParseForm() != nil {
		p.renderError(w, r, nil, http.StatusForbidden, "This sign-in form did not come from this portal.")
		return
	}
	next := localPath(r.PostForm.Get("next"))
	key := strings.TrimSpace(r.PostForm.Get("key"))
	if key == "" {
		p.render(w, r, nil, http.StatusUnprocessableEntity, "signin", "Sign in", signInView{Next: next, Error: "Enter an API key."})
		return
	}
	ws, err := p.Workspaces.Authenticate(r.Context(), key)
	if err != nil {
		p.render(w, r, nil, http.StatusUnauthorized, "signin", "Sign in",
			signInView{Next: next, Error: "This API key was not accepted: " + err.Error() + "."})
		return
	}
	s := p.sessions.start(ws.ID, key)
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: s.token, Path: "/", MaxAge: int(sessionLifetime.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: p.secure || r.TLS != nil})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// signOut ends the session and forgets its cookie.
func (p *portal) signOut(w http.ResponseWriter, r *http.Request, s *session) error {
	p.sessions.end(s.token)
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: p.secure || r.TLS != nil})
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return nil
}
