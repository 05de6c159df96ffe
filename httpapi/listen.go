package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
	"github.com/feedwire/feedwire/wire"
)

// GET /v1/listen is the event stream that `feedwire listen` holds open: the workspace's
// events, as they are committed, each as the request a webhook of its format would
// receive, signed with the secret of the caller's API key. The server sends to the
// client over a connection the client opened, so listen works against any server,
// its SSRF guard on, and nothing is registered that could outlive the stream.
//
// The stream reads the event log rather than the delivery queue: any node serving the
// API can serve it, whichever node committed the events.

// How the stream reads the event log.
const (
	// listenPoll is how often a stream looks for events committed on other nodes;
	// those committed on this one wake it at once.
	listenPoll = 250 * time.Millisecond
	// listenLag is how far back each look reads again. An event's id is taken before
	// its transaction commits, so an event may become visible after one with a later
	// id; reading the last second again, and skipping what was sent, catches it.
	listenLag = time.Second
	// listenPage is how many events a look reads at a time.
	listenPage = 200
	// listenKeepalive is how often an idle stream sends a comment, so that proxies keep
	// it open and the client can tell a live server from a dead connection.
	listenKeepalive = 15 * time.Second
	// listenWriteWait bounds each write to the stream: a client that stops reading
	// ends its stream rather than hold it for ever.
	listenWriteWait = 10 * time.Second
)

// Streams are a server's open listen streams: Wake has them look for events at once,
// and Run ends them when the server shuts down.
type Streams struct {
	mu     sync.Mutex
	woken  chan struct{} // closed by Wake, then replaced
	closed chan struct{} // closed when Run's ctx ends
	once   sync.Once
}

// NewStreams returns the streams of a server, none open yet.
func NewStreams() *Streams {
	return &Streams{woken: make(chan struct{}), closed: make(chan struct{})}
}

// Wake tells the streams that events were committed.
func (s *Streams) Wake() {
	s.mu.Lock()
	close(s.woken)
	s.woken = make(chan struct{})
	s.mu.Unlock()
}

// Run waits for ctx to end, then ends every stream: serve runs it as a worker, which
// it stops when it begins to shut down, so that the open streams do not hold the
// shutdown until its timeout.
func (s *Streams) Run(ctx context.Context) error {
	<-ctx.Done()
	s.once.Do(func() { close(s.closed) })
	return nil
}

// wait returns a channel that is closed at the next Wake.
func (s *Streams) wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.woken
}

type listenInput struct {
	Format string   `query:"format" enum:"harvestr,featurebase,operational" doc:"Only the events of this format; both vendor formats' when empty (operational events only when asked for)."`
	Types  []string `query:"type" doc:"Only these event types (repeat the parameter); every type of the formats when empty."`
	// LastEventID is what an EventSource sends when it reconnects.
	LastEventID string `header:"Last-Event-ID" doc:"Resume after this event: the id of the last delivery received. The stream then begins with the events committed since, rather than with the events committed from now on."`
}

// ListenSessionMessage is the first message of a listen stream (event: session).
type ListenSessionMessage struct {
	Secret    string   `json:"secret" doc:"The secret that signs the stream's deliveries, the same for every stream opened with this API key."`
	WebhookID string   `json:"webhookId" doc:"The webhook id the deliveries carry, as if the stream were a webhook."`
	Types     []string `json:"types" doc:"The event types the stream sends."`
}

// ListenDeliveryMessage is one delivery of a listen stream (event: delivery): the request
// a webhook would receive, whose headers verify with the session's secret.
type ListenDeliveryMessage struct {
	EventID string            `json:"eventId" doc:"The event's id; also the SSE message id, for Last-Event-ID."`
	Type    string            `json:"type" doc:"The event type."`
	Format  string            `json:"format" enum:"harvestr,featurebase,operational" doc:"The wire format of the body and headers."`
	Headers map[string]string `json:"headers" doc:"The request's headers: Content-Type, the format's signature headers and the Standard Webhooks ones."`
	Body    string            `json:"body" doc:"The request's body, byte for byte as signed."`
}

// ListenErrorMessage ends a stream that failed (event: error); the client may reconnect.
type ListenErrorMessage struct {
	Detail string `json:"detail"`
}

// listenOperation documents GET /v1/listen, whose answer is a stream of server-sent events.
func listenOperation(registry huma.Registry) huma.Operation {
	o := op("listen", http.MethodGet, "/v1/listen", "Stream the workspace's events as signed deliveries (feedwire listen)", "Events")
	o.Description = "Answers with server-sent events (text/event-stream) for as long as the client holds the connection. " +
		"The first message is `event: session` (ListenSessionMessage); then one `event: delivery` (ListenDeliveryMessage) " +
		"per event committed, with the event id as the message id; a comment line every 15 s when idle; and " +
		"`event: error` (ListenErrorMessage) before a stream that failed ends."
	names := make([]string, 0, 3)
	for _, t := range []reflect.Type{reflect.TypeFor[ListenSessionMessage](), reflect.TypeFor[ListenDeliveryMessage](), reflect.TypeFor[ListenErrorMessage]()} {
		names = append(names, registry.Schema(t, true, "").Ref)
	}
	o.Responses = map[string]*huma.Response{"200": {
		Description: "The stream of server-sent events.",
		Content: map[string]*huma.MediaType{"text/event-stream": {Schema: &huma.Schema{
			Type:        huma.TypeString,
			Description: fmt.Sprintf("Server-sent events whose data are %v.", names),
		}}},
	}}
	return o
}

// listen opens a listen stream after checking what it asks for.
func listen(svc feedwire.ListenService, streams *Streams, logger *slog.Logger) handler[listenInput, huma.StreamResponse] {
	return func(ctx context.Context, workspaceID string, in *listenInput) (*huma.StreamResponse, error) {
		types, err := listenTypes(in.Format, in.Types)
		if err != nil {
			return nil, err
		}
		if in.LastEventID != "" && !eventIDPattern.MatchString(in.LastEventID) {
			return nil, feedwire.Invalid("header.Last-Event-ID", "must be an event id, as a delivery's eventId gives it")
		}
		apiKey, _ := ctx.Value(apiKeyKey).(string)
		session, err := svc.ListenSession(apiKey)
		if err != nil {
			return nil, err
		}
		st := &stream{svc: svc, streams: streams, logger: logger, workspaceID: workspaceID, session: session,
			types: types, low: in.LastEventID}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			r, w := humago.Unwrap(hctx)
			st.w, st.rc = w, http.NewResponseController(w)
			st.run(r.Context())
		}}, nil
	}
}

// eventIDPattern is an event id: a UUID in lower case.
var eventIDPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// listenTypes returns the event types a stream sends: those of format (both vendor
// formats' when empty), narrowed to names when there are any; names without a format
// may name any type, operational ones too.
func listenTypes(format string, names []string) ([]feedwire.EventType, error) {
	formats := []feedwire.Format{feedwire.FormatHarvestr, feedwire.FormatFeaturebase}
	switch {
	case format != "":
		formats = []feedwire.Format{feedwire.Format(format)}
	case len(names) > 0:
		formats = append(formats, feedwire.FormatOperational)
	}
	var all []feedwire.EventType
	for _, f := range formats {
		all = append(all, feedwire.EventTypesOf(f)...)
	}
	if len(names) == 0 {
		return all, nil
	}
	var types []feedwire.EventType
	for i, name := range names {
		if !slices.Contains(all, feedwire.EventType(name)) {
			return nil, feedwire.Invalid(fmt.Sprintf("query.type[%d]", i),
				fmt.Sprintf("%q is not an event type of %v (GET /v1/event-types lists them)", name, formats))
		}
		if !slices.Contains(types, feedwire.EventType(name)) {
			types = append(types, feedwire.EventType(name))
		}
	}
	return types, nil
}

// stream is one open listen stream.
type stream struct {
	svc         feedwire.ListenService
	streams     *Streams
	logger      *slog.Logger
	workspaceID string
	session     *feedwire.ListenSession
	types       []feedwire.EventType
	w           http.ResponseWriter
	rc          *http.ResponseController

	// low is the id after which the next look reads: the resumed event's, else the
	// floor of when the stream opened, and then never earlier than listenLag ago.
	low  string
	sent map[string]bool // the ids read at or after low
}

func (st *stream) run(ctx context.Context) {
	// The request has been read: a read deadline now would end the stream, since
	// net/http cancels a request whose connection's read fails.
	st.rc.SetReadDeadline(time.Time{})
	h := st.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // a proxy that buffers would hold the events back
	if st.low == "" {
		st.low = feedwire.EventIDFloor(time.Now())
	}
	st.sent = map[string]bool{}
	types := make([]string, len(st.types))
	for i, t := range st.types {
		types[i] = string(t)
	}
	if st.send("", "session", ListenSessionMessage{Secret: st.session.Secret, WebhookID: st.session.WebhookID, Types: types}) != nil {
		return
	}
	poll := time.NewTicker(listenPoll)
	defer poll.Stop()
	idle := time.NewTimer(listenKeepalive)
	defer idle.Stop()
	for {
		woken := st.streams.wait() // before the look, so that no Wake is missed
		sent, err := st.look(ctx)
		if err != nil {
			if ctx.Err() == nil {
				st.logger.ErrorContext(ctx, "listen stream failed", slog.String("request_id", requestID(ctx)), slog.Any("error", err))
				st.send("", "error", ListenErrorMessage{Detail: "the stream failed; reconnect with Last-Event-ID to resume"})
			}
			return
		}
		if sent > 0 {
			idle.Reset(listenKeepalive)
		}
		select {
		case <-ctx.Done():
			return
		case <-st.streams.closed:
			return
		case <-woken:
		case <-poll.C:
		case <-idle.C:
			if st.write([]byte(": keepalive\n\n")) != nil {
				return
			}
			idle.Reset(listenKeepalive)
		}
	}
}

// look sends the events committed since the last look and returns how many it sent.
func (st *stream) look(ctx context.Context) (int, error) {
	started := time.Now()
	sent := 0
	for after := st.low; ; {
		evs, err := st.svc.EventsAfter(ctx, st.workspaceID, after, listenPage)
		if err != nil {
			return sent, err
		}
		for i := range evs {
			ev := &evs[i]
			after = ev.ID
			if st.sent[ev.ID] {
				continue
			}
			st.sent[ev.ID] = true
			if !slices.Contains(st.types, ev.Type) {
				continue
			}
			if err := st.deliver(ev); err != nil {
				return sent, err
			}
			sent++
		}
		if len(evs) < listenPage {
			break
		}
	}
	if floor := feedwire.EventIDFloor(started.Add(-listenLag)); floor > st.low {
		st.low = floor
		for id := range st.sent {
			if id <= floor {
				delete(st.sent, id)
			}
		}
	}
	return sent, nil
}

// deliver sends ev as the request a webhook of its format would receive from this
// stream's session.
func (st *stream) deliver(ev *feedwire.Event) error {
	envelopeID := wire.EventEnvelopeID(ev)
	body, err := wire.Body(envelopeID, st.session.WebhookID, ev)
	if err != nil {
		return err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	format := ev.Type.Format()
	if err := webhook.SignHeaders(h, string(format), st.session.WebhookID, envelopeID, body, time.Now(), st.session.Secret); err != nil {
		return err
	}
	headers := make(map[string]string, len(h))
	for name := range h {
		headers[name] = h.Get(name)
	}
	return st.send(ev.ID, "delivery", ListenDeliveryMessage{EventID: ev.ID, Type: string(ev.Type), Format: string(format),
		Headers: headers, Body: string(body)})
}

// send writes one server-sent event and flushes it to the client.
func (st *stream) send(id, event string, data any) error {
	encoded, err := json.Marshal(data) // one line: JSON strings escape their newlines
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if id != "" {
		fmt.Fprintf(&b, "id: %s\n", id)
	}
	fmt.Fprintf(&b, "event: %s\ndata: %s\n\n", event, encoded)
	return st.write(b.Bytes())
}

func (st *stream) write(b []byte) error {
	st.rc.SetWriteDeadline(time.Now().Add(listenWriteWait))
	if _, err := st.w.Write(b); err != nil {
		return err
	}
	return st.rc.Flush()
}
