package main

import (
	"context"
	"fmt"
	"io"
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
	since := fs.Duration("since", 0, "only those of the last duration, such as 1h")
	limit := fs.Int("limit", 50, "at most this many")
	r, _, err := parseRemote(fs, connect, args, 0, "no arguments")
	if err != nil {
		return err
	}
	f := client.DeliveryFilter{ListOptions: client.ListOptions{Limit: *limit}, WebhookID: *webhookID, Status: *status}
	if *since > 0 {
		f.Since = time.Now().Add(-*since)
	}
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
	for _, a := range d.Attempts {
		answer := "no answer"
		if a.Response != nil {
			answer = strconv.Itoa(a.Response.Status)
		}
		detail := ""
		if a.Error != nil {
			detail = " (" + a.Error.Class + ": " + a.Error.Message + ")"
		}
		fmt.Fprintf(r.stdout, "  #%d %s  %s in %.1fms → %s%s\n", a.Number, a.StartedAt, answer, a.DurationMs, a.Outcome, detail)
	}
	return nil
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
	fs := newFlagSet(e, kind, summary, fmt.Sprintf("  feedwire %s --webhook 6b0594… --since 1h\n  feedwire %s --webhook 6b0594… --since 48h --until 24h", kind, kind))
	connect := remoteFlags(fs, e)
	webhookID := fs.String("webhook", "", "the webhook (required)")
	since := fs.Duration("since", 0, "how far back the range starts, such as 1h (required)")
	until := fs.Duration("until", 0, "how far back the range ends; now when 0")
	r, _, err := parseRemote(fs, connect, args, 0, "flags only")
	if err != nil {
		return err
	}
	if *webhookID == "" || *since <= 0 {
		return usageError(kind + ": --webhook and --since are required")
	}
	now := time.Now()
	var end time.Time
	if *until > 0 {
		end = now.Add(-*until)
	}
	job, err := r.client.StartJob(ctx, kind, *webhookID, now.Add(-*since), end)
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
	since := fs.Duration("since", 0, "only those of the last duration")
	limit := fs.Int("limit", 50, "at most this many")
	r, _, err := parseRemote(fs, connect, args, 0, "no arguments")
	if err != nil {
		return err
	}
	f := client.EventFilter{ListOptions: client.ListOptions{Limit: *limit}, Types: splitList(*types)}
	if *since > 0 {
		f.Since = time.Now().Add(-*since)
	}
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
	fs := newFlagSet(e, "events types", "List the 32 event types and their formats.", "  feedwire events types")
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
