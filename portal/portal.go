// Package portal serves feedwire's web portal: server-rendered pages, embedded in the
// binary, where a workspace signed in with one of its API keys manages its webhooks,
// reads their deliveries, attempts, charts and the event log, and opens the
// conversations and posts that events link to (their conversationUrl and postUrl).
//
// Pages are html/template; the little JavaScript there is (the topic picker, a job's
// progress) only improves pages that work without it.
package portal

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

// PostFinder finds a post by the slug its URL ends with.
type PostFinder interface {
	PostBySlug(ctx context.Context, workspaceID, slug string) (*feedwire.Post, error)
}

// AttemptSummarizer reads what the charts of a webhook show of its recent attempts.
type AttemptSummarizer interface {
	AttemptSummaries(ctx context.Context, workspaceID, webhookID string, since time.Time) ([]feedwire.AttemptSummary, error)
}

// Services are what the portal reads and changes. *store.Store provides all of them
// but Webhooks (delivery.WebhookService, which runs the harvestr challenge) and Jobs.
type Services struct {
	Workspaces    feedwire.WorkspaceService
	Webhooks      feedwire.WebhookService
	Deliveries    feedwire.DeliveryService
	Jobs          feedwire.JobService
	Events        feedwire.EventService
	Users         feedwire.UserService
	Posts         PostFinder
	Comments      feedwire.CommentService
	Conversations feedwire.ConversationService
	Attempts      AttemptSummarizer
	// Catalog is every event type, for the topic picker and the catalog page.
	Catalog []wire.EventType
	// PublicURL, when set, is where people reach feedwire. Forms are accepted from its
	// origin and from the request's own; when it is https, the session cookie is Secure.
	PublicURL string
	Logger    *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

//go:embed templates static
var files embed.FS

// portal holds what every page shares.
type portal struct {
	Services
	pages        pages
	sessions     *sessions
	publicOrigin string // scheme://host of PublicURL; "" when there is none
	secure       bool   // whether the session cookie is Secure whatever the request
}

// New returns the portal's handler, which serves every path it is given: mount it
// beside the API, under /.
func New(svc Services) (http.Handler, error) {
	if svc.Now == nil {
		svc.Now = time.Now
	}
	if svc.Logger == nil {
		svc.Logger = slog.New(slog.DiscardHandler)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	p := &portal{Services: svc, pages: pages, sessions: newSessions(svc.Now)}
	if svc.PublicURL != "" {
		u, err := url.Parse(svc.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("portal: the public URL %q is not an http or https URL", svc.PublicURL)
		}
		p.publicOrigin, p.secure = u.Scheme+"://"+u.Host, u.Scheme == "https"
	}
	return p.routes(), nil
}

// routes is every page of the portal, top to bottom. The pages of a workspace are
// behind p.signedIn, which also checks the CSRF token of every POST.
func (p *portal) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(files, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /signin", p.signInPage)
	mux.HandleFunc("POST /signin", p.signIn)
	mux.Handle("POST /signout", p.signedIn(p.signOut))
	mux.Handle("GET /{$}", p.signedIn(func(w http.ResponseWriter, r *http.Request, s *session) error {
		http.Redirect(w, r, "/webhooks", http.StatusSeeOther)
		return nil
	}))

	mux.Handle("GET /webhooks", p.signedIn(p.webhooksPage))
	mux.Handle("GET /webhooks/new", p.signedIn(p.newWebhookPage))
	mux.Handle("POST /webhooks", p.signedIn(p.createWebhook))
	mux.Handle("GET /webhooks/{id}", p.signedIn(p.webhookPage))
	mux.Handle("GET /webhooks/{id}/edit", p.signedIn(p.editWebhookPage))
	mux.Handle("POST /webhooks/{id}", p.signedIn(p.updateWebhook))
	mux.Handle("POST /webhooks/{id}/pause", p.signedIn(p.setWebhookStatus(feedwire.WebhookPaused)))
	mux.Handle("POST /webhooks/{id}/resume", p.signedIn(p.setWebhookStatus(feedwire.WebhookActive)))
	mux.Handle("POST /webhooks/{id}/secret", p.signedIn(p.revealSecret))
	mux.Handle("POST /webhooks/{id}/rotate", p.signedIn(p.rotateSecret))
	mux.Handle("POST /webhooks/{id}/test", p.signedIn(p.testWebhook))
	mux.Handle("POST /webhooks/{id}/recover", p.signedIn(p.startJob(feedwire.JobRecover)))
	mux.Handle("POST /webhooks/{id}/replay", p.signedIn(p.startJob(feedwire.JobReplay)))
	mux.Handle("GET /jobs/{id}", p.signedIn(p.jobPage))
	mux.Handle("GET /jobs/{id}/progress", p.signedIn(p.jobProgress))

	mux.Handle("GET /deliveries", p.signedIn(p.deliveriesPage))
	mux.Handle("GET /deliveries/{id}", p.signedIn(p.deliveryPage))
	mux.Handle("POST /deliveries/{id}/retry", p.signedIn(p.retryDelivery))

	mux.Handle("GET /event-types", p.signedIn(p.eventTypesPage))
	mux.Handle("GET /events", p.signedIn(p.eventsPage))
	mux.Handle("GET /events/{id}", p.signedIn(p.eventPage))

	// The very paths of the conversationUrl and postUrl that events carry.
	mux.Handle("GET /conversations/{id}", p.signedIn(p.conversationPage))
	mux.Handle("GET /p/{slug}", p.signedIn(p.postPage))

	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		p.renderError(w, r, nil, http.StatusNotFound, "There is no such page.")
	})
	return securityHeaders(mux)
}

// securityHeaders keeps every page to the portal's own resources: no framing, no
// scripts or styles from elsewhere, forms posted only to the portal.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "+
			"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store") // pages show a workspace's data
		}
		next.ServeHTTP(w, r)
	})
}

// pageHandler is a page of a signed-in workspace. An error it returns is shown as a
// page: not found for feedwire.ErrNotFound, the message for other client errors.
type pageHandler func(w http.ResponseWriter, r *http.Request, s *session) error

// fail shows err as an error page.
func (p *portal) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	var fe *feedwire.Error
	switch {
	case errors.Is(err, feedwire.ErrNotFound):
		p.renderError(w, r, s, http.StatusNotFound, "There is no such page in this workspace.")
	case errors.As(err, &fe) && !errors.Is(err, feedwire.ErrUnauthorized):
		p.renderError(w, r, s, statusOf(err), fe.Error())
	default:
		p.Logger.ErrorContext(r.Context(), "portal page failed", "path", r.URL.Path, "error", err)
		p.renderError(w, r, s, http.StatusInternalServerError, "Something went wrong on the server; it has been logged.")
	}
}

// statusOf is the HTTP status of a client error: 422 for one of no known kind.
func statusOf(err error) int {
	if status, ok := feedwire.HTTPStatus(err); ok {
		return status
	}
	return http.StatusUnprocessableEntity
}
