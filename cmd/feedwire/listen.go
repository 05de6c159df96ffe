package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/client"
	"github.com/feedwire/feedwire/webhook"
)

func runListen(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "listen", "Receive this workspace's events here, as a webhook would: listen holds a stream open to\n"+
		"the server, which sends each event over it signed with a secret that stays the same for\n"+
		"this API key. listen verifies and prints each one and, with --forward-to, POSTs it\n"+
		"unchanged, signature headers and all, to your app, which verifies it with that secret.\n"+
		"Nothing is registered: the server stops sending when the stream ends, however listen\n"+
		"ended. It works against any server, local or remote; it reconnects and resumes where\n"+
		"it was when the connection drops.",
		"  feedwire listen\n  feedwire listen --format featurebase --topics post.created,comment.created\n"+
			"  feedwire listen --forward-to http://127.0.0.1:3000/webhooks\n"+
			"  export FEEDWIRE_WEBHOOK_SECRET=$(feedwire listen --print-secret)\n  feedwire listen --json | jq .")
	connect := remoteFlags(fs, e)
	format := fs.String("format", "", "harvestr, featurebase or operational; both vendor formats when empty")
	topics := fs.String("topics", "", "comma-separated event types; all of the format when empty")
	forwardTo := fs.String("forward-to", "", "also POST each verified delivery, unchanged, to this URL")
	raw := fs.Bool("json", false, "print each delivery's body on one line, nothing else")
	printSecret := fs.Bool("print-secret", false, "print the signing secret of this API key's streams and exit")
	r, _, err := parseRemote(fs, connect, args, 0, "flags only")
	if err != nil {
		return err
	}
	switch feedwire.Format(*format) {
	case "", feedwire.FormatHarvestr, feedwire.FormatFeaturebase, feedwire.FormatOperational:
	default:
		return usageError("listen: --format must be harvestr, featurebase or operational")
	}
	if *forwardTo != "" {
		if u, err := url.Parse(*forwardTo); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageError("listen: --forward-to must be an http or https URL, such as http://127.0.0.1:3000/webhooks")
		}
	}
	opts := client.ListenOptions{Format: *format, Types: splitList(*topics)}
	if *printSecret {
		return printListenSecret(ctx, r.client, opts, e.stdout)
	}
	l := &listener{out: e.stdout, log: e.stderr, raw: *raw, color: isTerminal(e.stdout) && !*raw,
		forwardTo: *forwardTo, forward: &http.Client{Timeout: 30 * time.Second}}
	return l.run(ctx, r.client, opts)
}

// printListenSecret prints the secret of the key's streams, which it learns by opening
// one and closing it at once.
func printListenSecret(ctx context.Context, c *client.Client, opts client.ListenOptions, out io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var secret string
	err := c.Listen(ctx, opts, func(s client.ListenSession) {
		secret = s.Secret
		cancel()
	}, func(client.ListenDelivery) error { return nil })
	if secret == "" {
		return fmt.Errorf("listen: %w", cmp.Or(err, errors.New("the stream ended before its session")))
	}
	fmt.Fprintln(out, secret)
	return nil
}

// The waits between reconnections: doubled after each failure, up to the most.
const (
	reconnectFirst = time.Second
	reconnectMost  = 30 * time.Second
)

// run holds the stream open until ctx ends, reconnecting after the last event received
// when it drops. A refusal (a bad key or flag) ends it.
func (l *listener) run(ctx context.Context, c *client.Client, opts client.ListenOptions) error {
	wait := reconnectFirst
	for {
		l.connected = false
		err := c.Listen(ctx, opts, l.session, l.deliver)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, feedwire.ErrUnauthorized) || errors.Is(err, feedwire.ErrInvalid) || errors.Is(err, feedwire.ErrNotFound) {
			return fmt.Errorf("listen: %w", err)
		}
		if l.connected {
			wait = reconnectFirst
		}
		fmt.Fprintf(l.log, "lost the stream: %v; reconnecting in %s\n", err, wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, reconnectMost)
		opts.LastEventID = l.lastEventID
	}
}

// listener prints, and forwards, the deliveries of a listen stream.
type listener struct {
	out, log  io.Writer
	raw       bool
	color     bool
	forwardTo string
	forward   *http.Client

	secret      string // the session's, once the stream is open
	connected   bool   // whether the current stream began
	lastEventID string // the last delivery's, to resume after
}

func (l *listener) session(s client.ListenSession) {
	l.connected = true
	if l.secret == s.Secret {
		fmt.Fprintln(l.log, "reconnected; resuming after the last event received")
		return
	}
	l.secret = s.Secret
	if len(s.Types) == 1 {
		fmt.Fprintf(l.log, "ready: receiving %s events; press Ctrl-C to stop\n", s.Types[0])
	} else {
		fmt.Fprintf(l.log, "ready: receiving %d event types; press Ctrl-C to stop\n", len(s.Types))
	}
	fmt.Fprintf(l.log, "the webhook signing secret is %s (the same every time for this API key)\n", s.Secret)
}

func (l *listener) deliver(d client.ListenDelivery) error {
	l.lastEventID = d.EventID
	body, header := []byte(d.Body), d.Header()
	if err := webhook.Verify(l.secret, header, body); err != nil {
		fmt.Fprintf(l.log, "refused event %s: %v\n", d.EventID, err)
		return nil
	}
	if _, err := webhook.Decode(body); err != nil {
		fmt.Fprintf(l.log, "refused event %s: %v\n", d.EventID, err)
		return nil
	}
	env, _ := webhook.ReadEnvelope(body)
	l.print(env, body)
	if l.forwardTo != "" {
		l.forwardDelivery(header, body)
	}
	return nil
}

// The ANSI colours of a terminal.
const (
	colorType  = "\x1b[36m"
	colorOK    = "\x1b[32m"
	colorDim   = "\x1b[2m"
	colorReset = "\x1b[0m"
)

func (l *listener) print(env webhook.Envelope, body []byte) {
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

// forwardDelivery POSTs the delivery, unchanged, to the local app and reports its answer.
func (l *listener) forwardDelivery(header http.Header, body []byte) {
	req, err := http.NewRequest(http.MethodPost, l.forwardTo, bytes.NewReader(body))
	if err != nil {
		fmt.Fprintf(l.log, "forward: %v\n", err)
		return
	}
	req.Header = header.Clone()
	resp, err := l.forward.Do(req)
	if err != nil {
		fmt.Fprintf(l.log, "forward to %s: %v\n", l.forwardTo, err)
		return
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
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
