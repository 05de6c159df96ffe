package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"sync"
)

// DefaultMaxBodyBytes bounds the body a Handler reads.
const DefaultMaxBodyBytes = 1 << 20

// Handler receives feedwire's webhooks: it reads the body (at most MaxBodyBytes),
// verifies its signature (Verify), decodes the event and calls the function registered
// for its type. It answers 200 when that function returns nil or when no function is
// registered for the type (there is nothing to retry), 401 when verification fails,
// 400 for a body it cannot decode, 413 for one too large, and 500 when the function
// fails, so that feedwire tries again later.
//
// It also answers the harvestr challenge that registering a harvestr webhook sends:
// 200 when its signature verifies (VerifyChallenge), 401 when not.
//
// The function runs before the answer is sent, and feedwire waits at most the
// webhook's timeout (5s by default): do slow work elsewhere, after queueing it.
type Handler struct {
	secret string
	opts   []Option
	funcs  map[string]func(ctx context.Context, body []byte) error

	// MaxBodyBytes bounds the body read; bigger ones are refused with 413.
	MaxBodyBytes int64
	// NoChallenge, when set, refuses the harvestr challenge (401), so that no harvestr
	// webhook can be registered to this receiver.
	NoChallenge bool
	// Deduplicator, when set, drops deliveries whose envelope id it has seen done.
	Deduplicator Deduplicator
	// Logger, when set, logs refused requests and failed functions.
	Logger *slog.Logger
}

// NewHandler returns a handler that verifies with the webhook's secret. During a
// rotation, pass the other secret too, WithSecrets(old), and either verifies.
func NewHandler(secret string, opts ...Option) *Handler {
	return &Handler{secret: secret, opts: opts, funcs: map[string]func(context.Context, []byte) error{},
		MaxBodyBytes: DefaultMaxBodyBytes}
}

// On registers fn for an event type, one of the Event constants. T is the typed event
// the type decodes to, as Decode returns it: HarvestrEvent[Message] for
// EventMessageCreated, FeaturebaseEvent[Post] for EventPostCreated, and so on.
//
// Like http.ServeMux given a bad pattern, On panics when eventType is not one of the
// 36 types or T is not its typed event: a mistake that would otherwise answer every
// such delivery 200 with an empty event shows when the receiver starts.
func On[T any](h *Handler, eventType string, fn func(ctx context.Context, event *T) error) {
	newEvent, ok := eventTypes[eventType]
	if !ok {
		panic(fmt.Sprintf("webhook.On: unknown event type %q; use one of the Event constants", eventType))
	}
	if want, got := reflect.TypeOf(newEvent()), reflect.TypeFor[*T](); got != want {
		panic(fmt.Sprintf("webhook.On: %s decodes to %v, not %v", eventType, want.Elem(), got.Elem()))
	}
	h.funcs[eventType] = func(ctx context.Context, body []byte) error {
		event := new(T)
		if err := json.Unmarshal(body, event); err != nil {
			return fmt.Errorf("%w: %w", errDecode, err)
		}
		return fn(ctx, event)
	}
}

// OnAny registers fn for every event type that has no function of its own; it gets
// the event as Decode returns it.
func (h *Handler) OnAny(fn func(ctx context.Context, event any) error) {
	h.funcs[""] = func(ctx context.Context, body []byte) error {
		event, err := Decode(body)
		if err != nil {
			return fmt.Errorf("%w: %w", errDecode, err)
		}
		return fn(ctx, event)
	}
}

var errDecode = errors.New("cannot decode the event")

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(w, r, http.StatusMethodNotAllowed, "webhooks are POSTed")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.MaxBodyBytes))
	if err != nil {
		h.refuse(w, r, http.StatusRequestEntityTooLarge, "the body is too large")
		return
	}
	if isChallenge(r.Header, body) {
		if h.NoChallenge {
			h.refuse(w, r, http.StatusUnauthorized, "this receiver takes no harvestr challenge")
		} else if err := VerifyChallenge(h.secret, r.Header, body, h.opts...); err != nil {
			h.refuse(w, r, http.StatusUnauthorized, err.Error())
		} else {
			w.WriteHeader(http.StatusOK)
		}
		return
	}
	if err := Verify(h.secret, r.Header, body, h.opts...); err != nil {
		h.refuse(w, r, http.StatusUnauthorized, err.Error())
		return
	}
	env, err := ReadEnvelope(body)
	if err != nil {
		h.refuse(w, r, http.StatusBadRequest, err.Error())
		return
	}
	if env.ID == "" {
		env.ID = r.Header.Get(HeaderWebhookID) // an operational body carries no id of its own
	}
	if h.Deduplicator != nil && h.Deduplicator.Seen(env.ID) {
		w.WriteHeader(http.StatusOK)
		return
	}
	fn, ok := h.funcs[env.Type]
	if !ok {
		fn = h.funcs[""]
	}
	if fn != nil {
		if err := fn(r.Context(), body); errors.Is(err, errDecode) {
			h.refuse(w, r, http.StatusBadRequest, err.Error())
			return
		} else if err != nil {
			if h.Logger != nil {
				h.Logger.Error("webhook handler failed", "event", env.Type, "id", env.ID, "error", err)
			}
			http.Error(w, "the handler failed; try again later", http.StatusInternalServerError)
			return
		}
	}
	if h.Deduplicator != nil {
		h.Deduplicator.Done(env.ID)
	}
	w.WriteHeader(http.StatusOK)
}

// isChallenge reports whether a request is the harvestr challenge: signed in the
// challenge's header, and a JSON object of a single "challenge" string.
func isChallenge(header http.Header, body []byte) bool {
	if header.Get(HeaderHarvestrChallengeSignature) == "" {
		return false
	}
	var fields map[string]json.RawMessage
	var challenge string
	return json.Unmarshal(body, &fields) == nil && len(fields) == 1 &&
		fields["challenge"] != nil && json.Unmarshal(fields["challenge"], &challenge) == nil
}

func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, status int, reason string) {
	if h.Logger != nil {
		h.Logger.Warn("webhook refused", "status", status, "reason", reason, "remote", r.RemoteAddr)
	}
	http.Error(w, reason, status)
}

// Deduplicator remembers which deliveries were handled, by envelope id, so that a
// retry of one already handled (feedwire delivers at least once) is dropped.
type Deduplicator interface {
	// Seen reports whether the id was handled before.
	Seen(id string) bool
	// Done records that the id was handled.
	Done(id string)
}

// MemoryDeduplicator remembers the last ids in memory. It suits a single process;
// several processes need a shared store, such as a table with the id as key.
type MemoryDeduplicator struct {
	mu    sync.Mutex
	max   int
	seen  map[string]bool
	order []string
}

// NewMemoryDeduplicator remembers up to max ids, forgetting the oldest first.
func NewMemoryDeduplicator(max int) *MemoryDeduplicator {
	return &MemoryDeduplicator{max: max, seen: make(map[string]bool, max)}
}

// Seen reports whether the id was handled.
func (d *MemoryDeduplicator) Seen(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.seen[id]
}

// Done records the id, forgetting the oldest one when full.
func (d *MemoryDeduplicator) Done(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen[id] {
		return
	}
	if len(d.order) >= d.max {
		delete(d.seen, d.order[0])
		d.order = d.order[1:]
	}
	d.seen[id] = true
	d.order = append(d.order, id)
}
