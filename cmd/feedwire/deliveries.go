package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feedwire/feedwire/client"
)

func runDeliveries(ctx context.Context, e env, args []string) error {
	return subcommand(e, "deliveries", map[string]func([]string) error{
		"list":  func(args []string) error { return deliveriesList(ctx, e, args) },
		"show":  func(args []string) error { return deliveriesShow(ctx, e, args) },
		"retry": func(args []string) error { return deliveriesRetry(ctx, e, args) },
	}, "list|show|retry", args)
}

func deliveriesList(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "deliveries list", "List deliveries, newest first.",
		"  feedwire deliveries list --status failed\n  feedwire deliveries list --webhook 6b0594… --since 1h")
	connect := remoteFlags(fs, e)
	webhookID := fs.String("webhook", "", "only this webhook's")
	status := fs.String("status", "", "pending, succeeded or failed")
	since := timeVar(fs, "since", "only those created since this `time`: a duration back from now (1h) or an RFC 3339 time")
	limit := fs.Int("limit", 50, "at most this many")
	r, _, err := parseRemote(fs, connect, args, 0, "no arguments")
	if err != nil {
		return err
	}
	f := client.DeliveryFilter{ListOptions: client.ListOptions{Limit: *limit}, WebhookID: *webhookID, Status: *status, Since: since.t}
	list, err := r.client.Deliveries(ctx, f)
	if err != nil {
		return err
	}
	rows := make([][]string, len(list.Data))
	for i, d := range list.Data {
		code := "-"
		if d.LastStatusCode != nil {
			code = strconv.Itoa(*d.LastStatusCode)
		}
		rows[i] = []string{d.ID, d.EventType, d.Status, strconv.Itoa(d.AttemptCount), code, d.WebhookID, d.CreatedAt.Format(time.RFC3339)}
	}
	return r.table(list.Data, []string{"ID", "EVENT", "STATUS", "ATTEMPTS", "LAST", "WEBHOOK", "CREATED"}, rows)
}

func deliveriesShow(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "deliveries show", "Show a delivery with every attempt's request and response.", "  feedwire deliveries show 01a20dcc-…")
	connect := remoteFlags(fs, e)
	r, ids, err := parseRemote(fs, connect, args, 1, "a delivery id")
	if err != nil {
		return err
	}
	d, err := r.client.Delivery(ctx, ids[0])
	if err != nil {
		return err
	}
	if r.json {
		return r.show(d)
	}
	fmt.Fprintf(r.stdout, "%s %s to webhook %s: %s after %d attempts\n", d.ID, d.EventType, d.WebhookID, d.Status, d.AttemptCount)
	if d.WaitingFor != nil {
		fmt.Fprintf(r.stdout, "waiting for delivery %s, ahead of it in the webhook's order\n", *d.WaitingFor)
	}
	for _, a := range d.Attempts {
		printAttempt(r.stdout, a)
	}
	return nil
}

// printAttempt prints an attempt's outcome, then its request ("> ") and its answer
// ("< ") as curl -v shows them: the first line, the headers in name order, a blank
// line, the body.
func printAttempt(w io.Writer, a client.Attempt) {
	answer := "no answer"
	if a.Response != nil {
		answer = strconv.Itoa(a.Response.Status)
	}
	detail := ""
	if a.Error != nil {
		detail = " (" + a.Error.Class + ": " + a.Error.Message + ")"
	}
	fmt.Fprintf(w, "\nattempt %d at %s: %s in %.1fms → %s%s\n", a.Number, a.StartedAt, answer, a.DurationMs, a.Outcome, detail)
	printMessage(w, "> ", "POST "+a.Request.URL, a.Request.Headers, a.Request.Body)
	if a.Response != nil {
		printMessage(w, "< ", strconv.Itoa(a.Response.Status)+" "+http.StatusText(a.Response.Status), a.Response.Headers, a.Response.Body)
	}
}

func printMessage(w io.Writer, prefix, first string, headers http.Header, body string) {
	fmt.Fprintf(w, "%s%s\n", prefix, first)
	for _, name := range slices.Sorted(maps.Keys(headers)) {
		for _, v := range headers[name] {
			fmt.Fprintf(w, "%s%s: %s\n", prefix, name, v)
		}
	}
	fmt.Fprintln(w, strings.TrimSpace(prefix))
	for line := range strings.Lines(body) {
		fmt.Fprintf(w, "%s%s", prefix, line)
	}
	if body != "" && !strings.HasSuffix(body, "\n") {
		fmt.Fprintln(w)
	}
}

func deliveriesRetry(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "deliveries retry", "Attempt a delivery again now.", "  feedwire deliveries retry 01a20dcc-…")
	connect := remoteFlags(fs, e)
	r, ids, err := parseRemote(fs, connect, args, 1, "a delivery id")
	if err != nil {
		return err
	}
	d, err := r.client.RetryDelivery(ctx, ids[0])
	if err != nil {
		return err
	}
	if r.json {
		return r.show(d)
	}
	fmt.Fprintf(r.stdout, "delivery %s is due again\n", d.ID)
	return nil
}

// runReplay and runRecover start a background job over a webhook's events of a time
// range and follow it with a progress bar until it ends.
func runReplay(ctx context.Context, e env, args []string) error {
	return runJob(ctx, e, "replay", "Send every event of a time range to a webhook again, including events from before it existed.", args)
}

func runRecover(ctx context.Context, e env, args []string) error {
	return runJob(ctx, e, "recover", "Retry a webhook's failed deliveries of a time range, and send the events it missed while paused or suspended.", args)
}

func runJob(ctx context.Context, e env, kind, summary string, args []string) error {
	fs := newFlagSet(e, kind, summary, fmt.Sprintf("  feedwire %s --webhook 6b0594… --since 1h\n  feedwire %s --webhook 6b0594… --since 48h --until 24h\n  feedwire %s --webhook 6b0594… --since 2026-12-01T09:00:00Z", kind, kind, kind))
	connect := remoteFlags(fs, e)
	webhookID := fs.String("webhook", "", "the webhook (required)")
	since := timeVar(fs, "since", "when the range starts (required): a `time` back from now (1h) or an RFC 3339 time")
	until := timeVar(fs, "until", "when the range ends, as --since; now when not given")
	r, _, err := parseRemote(fs, connect, args, 0, "flags only")
	if err != nil {
		return err
	}
	if *webhookID == "" || since.t.IsZero() {
		return usageError(kind + ": --webhook and --since are required")
	}
	job, err := r.client.StartJob(ctx, kind, *webhookID, since.t, until.t)
	if err != nil {
		return err
	}
	for !job.Finished() {
		progress(e.stderr, kind, job.Processed, job.Total)
		select {
		case <-ctx.Done():
			fmt.Fprintln(e.stderr)
			return fmt.Errorf("%s: stopped following job %s; it goes on in the server", kind, job.ID)
		case <-time.After(200 * time.Millisecond):
		}
		if job, err = r.client.Job(ctx, job.ID); err != nil {
			return err
		}
	}
	progress(e.stderr, kind, job.Processed, job.Total)
	fmt.Fprintln(e.stderr)
	if job.Status == "failed" {
		return fmt.Errorf("%s job %s failed after %d of %d: %s", kind, job.ID, job.Processed, job.Total, orDash(job.Error))
	}
	if r.json {
		return r.show(job)
	}
	noun := map[string]string{"replay": "replayed", "recover": "recovered"}[kind]
	fmt.Fprintf(r.stdout, "%s %d events to webhook %s (job %s)\n", noun, job.Processed, job.WebhookID, job.ID)
	return nil
}

// progress draws a bar of done out of total on one line.
func progress(w io.Writer, label string, done, total int) {
	const width = 30
	filled := width
	if total > 0 {
		filled = width * done / total
	}
	fmt.Fprintf(w, "\r%s [%s%s] %d/%d", label, strings.Repeat("#", filled), strings.Repeat(" ", width-filled), done, total)
}

func runEvents(ctx context.Context, e env, args []string) error {
	return subcommand(e, "events", map[string]func([]string) error{
		"list":  func(args []string) error { return eventsList(ctx, e, args) },
		"show":  func(args []string) error { return eventsShow(ctx, e, args) },
		"types": func(args []string) error { return eventTypesList(ctx, e, args) },
	}, "list|show|types", args)
}

func eventsList(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "events list", "List the event log, newest first.",
		"  feedwire events list --type post.created,post.updated --since 1h")
	connect := remoteFlags(fs, e)
	types := fs.String("type", "", "comma-separated event types")
	since := timeVar(fs, "since", "only those since this `time`: a duration back from now (1h) or an RFC 3339 time")
	limit := fs.Int("limit", 50, "at most this many")
	r, _, err := parseRemote(fs, connect, args, 0, "no arguments")
	if err != nil {
		return err
	}
	f := client.EventFilter{ListOptions: client.ListOptions{Limit: *limit}, Types: splitList(*types), Since: since.t}
	list, err := r.client.Events(ctx, f)
	if err != nil {
		return err
	}
	rows := make([][]string, len(list.Data))
	for i, ev := range list.Data {
		rows[i] = []string{ev.ID, ev.Type, ev.ResourceType, ev.ResourceID, ev.CreatedAt.Format(time.RFC3339)}
	}
	return r.table(list.Data, []string{"ID", "TYPE", "RESOURCE", "RESOURCE ID", "CREATED"}, rows)
}

func eventsShow(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "events show", "Show an event with its wire payload.", "  feedwire events show 01a20dcc-…")
	connect := remoteFlags(fs, e)
	r, ids, err := parseRemote(fs, connect, args, 1, "an event id")
	if err != nil {
		return err
	}
	ev, err := r.client.Event(ctx, ids[0])
	if err != nil {
		return err
	}
	return r.show(ev)
}

func eventTypesList(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "events types", "List the event types and their formats: the vendors' 32 and feedwire's own 4.", "  feedwire events types")
	connect := remoteFlags(fs, e)
	r, _, err := parseRemote(fs, connect, args, 0, "no arguments")
	if err != nil {
		return err
	}
	var list client.List[struct {
		Name        string `json:"name"`
		Format      string `json:"format"`
		Description string `json:"description"`
	}]
	if err := r.client.Do(ctx, "GET", "/v1/event-types", nil, &list); err != nil {
		return err
	}
	rows := make([][]string, len(list.Data))
	for i, t := range list.Data {
		rows[i] = []string{t.Name, t.Format, t.Description}
	}
	return r.table(list.Data, []string{"TYPE", "FORMAT", "DESCRIPTION"}, rows)
}
