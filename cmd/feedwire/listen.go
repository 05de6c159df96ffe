package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/client"
	"github.com/feedwire/feedwire/webhook"
)

func runListen(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "listen", "Receive this workspace's webhooks here: start a local receiver, register a temporary\n"+
		"webhook for it, verify and print every delivery, and delete the webhook on exit (Ctrl-C).\n"+
		"The server must run with --allow-private-networks to deliver to this machine.",
		"  feedwire listen\n  feedwire listen --format featurebase --topics post.created,comment.created\n"+
			"  feedwire listen --forward-to http://127.0.0.1:3000/webhooks\n  feedwire listen --json | jq .")
	connect := remoteFlags(fs, e)
	format := fs.String("format", "", "harvestr or featurebase; both when empty")
	topics := fs.String("topics", "", "comma-separated event types; all of the format when empty")
	port := fs.Int("port", 0, "port to listen on, on 127.0.0.1; any free port when 0")
	forwardTo := fs.String("forward-to", "", "also POST each verified delivery, unchanged, to this URL")
	raw := fs.Bool("json", false, "print each delivery's body on one line, nothing else")
	r, _, err := parseRemote(fs, connect, args, 0, "flags only")
	if err != nil {
		return err
	}
	subs, err := listenSubscriptions(*format, splitList(*topics))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	l := &listener{out: e.stdout, log: e.stderr, raw: *raw, color: isTerminal(e.stdout) && !*raw,
		forwardTo: *forwardTo, secrets: map[string]string{}}
	srv := &http.Server{Handler: l, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	// The webhooks outlive a cancelled ctx long enough to be deleted.
	cleanupCtx := context.WithoutCancel(ctx)
	var created []string
	defer func() {
		for _, id := range created {
			if err := r.client.DeleteWebhook(cleanupCtx, id); err != nil {
				fmt.Fprintf(e.stderr, "could not delete temporary webhook %s: %v\n", id, err)
			}
		}
	}()
	host, _ := os.Hostname()
	for _, s := range subs {
		w, err := r.client.CreateWebhook(ctx, client.WebhookInput{
			Name: fmt.Sprintf("feedwire listen on %s (pid %d)", host, os.Getpid()), Format: s.format, Topics: s.topics,
			URL: "http://" + ln.Addr().String() + "/" + s.format,
		})
		if err != nil {
			return fmt.Errorf("register a %s webhook for %s: %w (is serve running with --allow-private-networks?)", s.format, ln.Addr(), err)
		}
		created = append(created, w.ID)
		l.setSecret(s.format, w.Secret)
		fmt.Fprintf(e.stderr, "listening on %s for %d %s event types (webhook %s)\n", ln.Addr(), len(s.topics), s.format, w.ID)
	}
	fmt.Fprintln(e.stderr, "ready; press Ctrl-C to stop")
	<-ctx.Done()
	return nil
}

// subscription is the topics of one format that listen registers a webhook for.
type subscription struct {
	format string
	topics []string
}

func listenSubscriptions(format string, topics []string) ([]subscription, error) {
	formats := []feedwire.Format{feedwire.FormatHarvestr, feedwire.FormatFeaturebase}
	if format != "" {
		if !slices.Contains(formats, feedwire.Format(format)) {
			return nil, usageError("listen: --format must be harvestr or featurebase")
		}
		formats = []feedwire.Format{feedwire.Format(format)}
	}
	var subs []subscription
	for _, f := range formats {
		var names []string
		for _, t := range feedwire.EventTypesOf(f) {
			if len(topics) == 0 || slices.Contains(topics, string(t)) {
				names = append(names, string(t))
			}
		}
		if len(names) > 0 {
			subs = append(subs, subscription{format: string(f), topics: names})
		}
	}
	if len(subs) == 0 {
		return nil, usageError(fmt.Sprintf("listen: none of %v is an event type (feedwire events types lists them)", topics))
	}
	return subs, nil
}

// listener receives the deliveries of listen's webhooks, one path per format.
type listener struct {
	out, log  io.Writer
	raw       bool
	color     bool
	forwardTo string

	mu      sync.Mutex
	secrets map[string]string // by format, once its webhook exists
}

func (l *listener) setSecret(format, secret string) {
	l.mu.Lock()
	l.secrets[format] = secret
	l.mu.Unlock()
}

func (l *listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, webhook.DefaultMaxBodyBytes))
	if err != nil {
		http.Error(w, "the body is too large", http.StatusRequestEntityTooLarge)
		return
	}
	format := strings.TrimPrefix(r.URL.Path, "/")
	l.mu.Lock()
	secret, known := l.secrets[format]
	l.mu.Unlock()
	if !known {
		// The harvestr challenge arrives while the webhook is being registered.
		return
	}
	if err := webhook.Verify(secret, r.Header, body); err != nil {
		fmt.Fprintf(l.log, "refused a request: %v\n", err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if _, err := webhook.Decode(body); err != nil {
		fmt.Fprintf(l.log, "refused a request: %v\n", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	env, _ := webhook.ReadEnvelope(body)
	l.print(env, body)
	if l.forwardTo != "" {
		l.forward(r.Context(), r.Header, body)
	}
}

// The ANSI colours of a terminal.
const (
	colorType  = "\x1b[36m"
	colorOK    = "\x1b[32m"
	colorDim   = "\x1b[2m"
	colorReset = "\x1b[0m"
)

func (l *listener) print(env webhook.Envelope, body []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.raw {
		var compact bytes.Buffer
		json.Compact(&compact, body)
		fmt.Fprintln(l.out, compact.String())
		return
	}
	paint := func(color, s string) string {
		if !l.color {
			return s
		}
		return color + s + colorReset
	}
	var pretty bytes.Buffer
	json.Indent(&pretty, body, "", "  ")
	fmt.Fprintf(l.out, "%s  %s  %s  %s\n%s\n\n", time.Now().Format("15:04:05.000"), paint(colorType, env.Type),
		paint(colorDim, env.ID), paint(colorOK, "verified"), pretty.String())
}

// forward POSTs the delivery, unchanged, to the local app and reports its answer.
func (l *listener) forward(ctx context.Context, header http.Header, body []byte) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.forwardTo, bytes.NewReader(body))
	if err != nil {
		fmt.Fprintf(l.log, "forward: %v\n", err)
		return
	}
	req.Header = header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(l.log, "forward to %s: %v\n", l.forwardTo, err)
		return
	}
	resp.Body.Close()
	fmt.Fprintf(l.log, "forwarded to %s: %s\n", l.forwardTo, resp.Status)
}

// isTerminal reports whether w is a terminal, where colour helps; piped output stays
// plain.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
