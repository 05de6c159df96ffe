package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/feedwire/feedwire/client"
)

func runWebhooks(ctx context.Context, e env, args []string) error {
	return subcommand(e, "webhooks", map[string]func([]string) error{
		"list":          func(args []string) error { return webhooksList(ctx, e, args) },
		"create":        func(args []string) error { return webhooksCreate(ctx, e, args) },
		"show":          func(args []string) error { return webhooksShow(ctx, e, args) },
		"update":        func(args []string) error { return webhooksUpdate(ctx, e, args) },
		"delete":        func(args []string) error { return webhooksDelete(ctx, e, args) },
		"secret":        func(args []string) error { return webhooksSecret(ctx, e, args) },
		"rotate-secret": func(args []string) error { return webhooksRotateSecret(ctx, e, args) },
		"test":          func(args []string) error { return webhooksTest(ctx, e, args) },
		"test-filter":   func(args []string) error { return webhooksTestFilter(ctx, e, args) },
	}, "list|create|show|update|delete|secret|rotate-secret|test|test-filter", args)
}

func webhooksRotateSecret(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "webhooks rotate-secret", "Give a webhook a new secret, printed on stdout. During --grace-period the old secret\n"+
		"still signs: webhook-signature carries both, and the vendor headers keep the old one until\n"+
		"the period ends, so no receiver breaks before then.",
		"  feedwire webhooks rotate-secret 6b0594977319… --grace-period 24h\n"+
			"  NEW_SECRET=$(feedwire webhooks rotate-secret 6b0594977319… --grace-period 1h)")
	connect := remoteFlags(fs, e)
	grace := fs.Duration("grace-period", 0, "how long the old secret keeps signing, up to 168h; 0 ends it at once")
	secret := fs.String("secret", "", "the new secret (a harvestr webhook's own text); a new whsec_ one when not given")
	r, ids, err := parseRemote(fs, connect, args, 1, "a webhook id")
	if err != nil {
		return err
	}
	var newSecret *string
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "secret" {
			newSecret = secret
		}
	})
	w, err := r.client.RotateWebhookSecret(ctx, ids[0], *grace, newSecret)
	if err != nil {
		return err
	}
	if r.json {
		return r.show(w)
	}
	if w.Secret != "" {
		fmt.Fprintln(e.stdout, w.Secret)
	}
	if *grace > 0 {
		fmt.Fprintf(e.stderr, "rotated the secret of webhook %s; the old one keeps signing for %s\n", w.ID, *grace)
	} else {
		fmt.Fprintf(e.stderr, "rotated the secret of webhook %s; the old one no longer signs\n", w.ID)
	}
	return nil
}

func webhooksTest(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "webhooks test", "Send a webhook an example event now, even while it is paused, and show the first\n"+
		"attempt's request and answer.",
		"  feedwire webhooks test 6b0594977319…\n  feedwire webhooks test 6b0594977319… --event post.voted")
	connect := remoteFlags(fs, e)
	eventType := fs.String("event", "", "the event type to send; the webhook's first topic when not given")
	wait := fs.Duration("wait", 30*time.Second, "how long to wait for the first attempt; 0 does not wait")
	r, ids, err := parseRemote(fs, connect, args, 1, "a webhook id")
	if err != nil {
		return err
	}
	d, err := r.client.TestWebhook(ctx, ids[0], *eventType)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "queued test delivery %s of %s to webhook %s\n", d.ID, d.EventType, d.WebhookID)
	deadline := time.Now().Add(*wait)
	for *wait > 0 && len(d.Attempts) == 0 {
		if time.Now().After(deadline) {
			return fmt.Errorf("webhooks test: no attempt within %s; feedwire deliveries show %s shows it later", *wait, d.ID)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if d, err = r.client.Delivery(ctx, d.ID); err != nil {
			return err
		}
	}
	if r.json {
		return r.show(d)
	}
	fmt.Fprintf(r.stdout, "%s %s to webhook %s: %s\n", d.ID, d.EventType, d.WebhookID, d.Status)
	for _, a := range d.Attempts {
		printAttempt(r.stdout, a)
	}
	return nil
}

func webhooksList(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "webhooks list", "List the workspace's webhooks.", "  feedwire webhooks list\n  feedwire webhooks list --output json")
	connect := remoteFlags(fs, e)
	limit := fs.Int("limit", 100, "at most this many")
	r, _, err := parseRemote(fs, connect, args, 0, "no arguments")
	if err != nil {
		return err
	}
	list, err := r.client.Webhooks(ctx, client.ListOptions{Limit: *limit})
	if err != nil {
		return err
	}
	rows := make([][]string, len(list.Data))
	for i, w := range list.Data {
		rows[i] = []string{w.ID, w.Name, w.Format, w.Status, w.URL, strings.Join(w.Topics, ",")}
	}
	return r.table(list.Data, []string{"ID", "NAME", "FORMAT", "STATUS", "URL", "TOPICS"}, rows)
}

func webhooksCreate(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "webhooks create", "Register a webhook. A harvestr webhook's URL must answer the challenge first.",
		"  feedwire webhooks create --name crm --url https://example.com/hooks --format featurebase --topics post.created,post.updated\n"+
			"  feedwire webhooks create --name local --url http://127.0.0.1:9000/ --topics MESSAGE_CREATED --retry-schedule 5s,1m\n"+
			"  feedwire webhooks create --name crm --url https://example.com/hooks --topics MESSAGE_CREATED --secret 'the token crm has'\n"+
			"  feedwire webhooks create --name slow --url https://example.com/hooks --topics MESSAGE_CREATED --rate-limit 10\n"+
			"  feedwire webhooks create --name team --url https://hooks.slack.com/services/… --format slack --topics post.created --filter '{\"data.item.upvotes\": {\"$gte\": 10}}'\n"+
			"  feedwire webhooks create --name ops --url https://ops.example.com/in --format template --topics post.created --template-file body.tmpl")
	connect := remoteFlags(fs, e)
	name := fs.String("name", "", "a name for people")
	url := fs.String("url", "", "the endpoint")
	format := fs.String("format", "harvestr", "harvestr, featurebase, slack, discord, teams, template or operational")
	topics := fs.String("topics", "", "comma-separated event types of the format (feedwire events types lists them)")
	schedule := fs.String("retry-schedule", "", "comma-separated delays between attempts; the default spans about 3 days")
	secret := fs.String("secret", "", "the secret `TEXT`, generated when not given: whsec_ and base64; for harvestr also any text, or \"\" for none")
	rate := rateLimitFlags(fs)
	ordering := fs.String("ordering", "", "fifo: one delivery at a time, in the order of the events; unordered (the default)")
	controls := addControlFlags(fs, false)
	r, _, err := parseRemote(fs, connect, args, 0, "flags only")
	if err != nil {
		return err
	}
	// No --topics is an empty list, which the server refuses saying what it needs.
	in := client.WebhookInput{Name: *name, URL: *url, Format: *format, Topics: append([]string{}, splitList(*topics)...),
		RetrySchedule: splitList(*schedule), Ordering: *ordering}
	if in.Filter, err = controls.filterJSON(); err != nil {
		return err
	}
	if in.Template, err = controls.template(); err != nil {
		return err
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "secret":
			in.Secret = secret
		case "rate-limit", "rate-limit-burst":
			// Given, it is sent as it is: the server says what a bad one lacks.
			in.RateLimit = &client.RateLimit{PerSecond: *rate.perSecond, Burst: *rate.burst}
		}
	})
	w, err := r.client.CreateWebhook(ctx, in)
	if err != nil {
		return err
	}
	return r.showWebhook(w, true)
}

func webhooksShow(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "webhooks show", "Show one webhook; feedwire webhooks secret shows its secret.", "  feedwire webhooks show 6b0594977319…")
	connect := remoteFlags(fs, e)
	r, ids, err := parseRemote(fs, connect, args, 1, "a webhook id")
	if err != nil {
		return err
	}
	w, err := r.client.Webhook(ctx, ids[0])
	if err != nil {
		return err
	}
	return r.showWebhook(w, false)
}

func webhooksSecret(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "webhooks secret", "Print a webhook's secret on stdout: the only command that shows it, but for\n"+
		"webhooks create. A harvestr webhook may have none: then nothing is printed on stdout.",
		"  feedwire webhooks secret 6b0594977319…\n  WEBHOOK_SECRET=$(feedwire webhooks secret 6b0594977319…)")
	connect := remoteFlags(fs, e)
	r, ids, err := parseRemote(fs, connect, args, 1, "a webhook id")
	if err != nil {
		return err
	}
	secret, err := r.client.WebhookSecret(ctx, ids[0])
	if err != nil {
		return err
	}
	if r.json {
		return r.show(map[string]any{"webhookId": ids[0], "secret": secretOrNull(secret)})
	}
	if secret == "" {
		fmt.Fprintf(e.stderr, "webhook %s has no secret: its deliveries are unsigned\n", ids[0])
		return nil
	}
	fmt.Fprintln(e.stdout, secret)
	return nil
}

func secretOrNull(secret string) *string {
	if secret == "" {
		return nil
	}
	return &secret
}

func webhooksUpdate(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "webhooks update", "Change a webhook: only the flags given change.",
		"  feedwire webhooks update 6b0594… --status paused\n  feedwire webhooks update 6b0594… --status active --topics post.created\n"+
			"  feedwire webhooks update 6b0594… --rate-limit 0")
	connect := remoteFlags(fs, e)
	name := fs.String("name", "", "a new name")
	url := fs.String("url", "", "a new endpoint")
	status := fs.String("status", "", "active or paused")
	topics := fs.String("topics", "", "comma-separated event types, replacing the current ones")
	rate := rateLimitFlags(fs)
	ordering := fs.String("ordering", "", "fifo or unordered")
	controls := addControlFlags(fs, true)
	r, ids, err := parseRemote(fs, connect, args, 1, "a webhook id")
	if err != nil {
		return err
	}
	patch := map[string]any{}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "name":
			patch["name"] = *name
		case "url":
			patch["url"] = *url
		case "status":
			patch["status"] = *status
		case "topics":
			patch["topics"] = splitList(*topics)
		case "ordering":
			patch["ordering"] = *ordering
		case "rate-limit", "rate-limit-burst":
			patch["rateLimit"] = nil // --rate-limit 0 removes the limit
			if *rate.perSecond != 0 {
				patch["rateLimit"] = client.RateLimit{PerSecond: *rate.perSecond, Burst: *rate.burst}
			}
		}
	})
	if err := controls.patch(patch); err != nil {
		return err
	}
	if len(patch) == 0 {
		return usageError("webhooks update: nothing to change; give --name, --url, --status, --topics, --rate-limit, --ordering, --filter or --template-file")
	}
	w, err := r.client.UpdateWebhook(ctx, ids[0], patch)
	if err != nil {
		return err
	}
	return r.showWebhook(w, false)
}

func webhooksDelete(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "webhooks delete", "Delete a webhook with its deliveries.", "  feedwire webhooks delete 6b0594…")
	connect := remoteFlags(fs, e)
	r, ids, err := parseRemote(fs, connect, args, 1, "a webhook id")
	if err != nil {
		return err
	}
	if err := r.client.DeleteWebhook(ctx, ids[0]); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "deleted webhook %s\n", ids[0])
	return nil
}

// showWebhook prints a webhook. Only the answer to create holds its secret (created):
// any other shows where to find it.
func (r *remote) showWebhook(w *client.Webhook, created bool) error {
	if r.json {
		return r.show(w)
	}
	secret := "(not shown; feedwire webhooks secret " + w.ID + " shows it)"
	if created {
		secret = orDash(&w.Secret)
	}
	last := "-"
	if w.LastStatus != nil {
		last = fmt.Sprintf("%d %s at %s", w.LastStatus.Code, w.LastStatus.Message, w.LastStatus.Timestamp.Format(time.RFC3339))
	}
	return r.table(w, []string{"FIELD", "VALUE"}, [][]string{
		{"id", w.ID}, {"name", w.Name}, {"url", w.URL}, {"format", w.Format}, {"status", w.Status},
		{"status reason", orDash(w.StatusReason)}, {"topics", strings.Join(w.Topics, ",")}, {"secret", secret},
		{"retry schedule", strings.Join(w.RetrySchedule, ",")}, {"rate limit", describeRateLimit(w.RateLimit)}, {"ordering", w.Ordering},
		{"filter", filterText(w.Filter)}, {"template", templateText(w.Template)}, {"last status", last},
	})
}

// rateLimit is the flags of a webhook's rate limit.
type rateLimit struct{ perSecond, burst *int }

func rateLimitFlags(fs *flagSet) rateLimit {
	return rateLimit{
		perSecond: fs.Int("rate-limit", 0, "deliveries per second at most, retries included (update: 0 removes the limit)"),
		burst:     fs.Int("rate-limit-burst", 0, "how many may go at once after a quiet spell, with --rate-limit; default 1"),
	}
}

func describeRateLimit(r *client.RateLimit) string {
	switch {
	case r == nil:
		return "-"
	case r.Burst > 1:
		return fmt.Sprintf("%d/s, bursts of %d", r.PerSecond, r.Burst)
	default:
		return fmt.Sprintf("%d/s", r.PerSecond)
	}
}

// splitList splits a comma-separated flag; empty gives nil.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// maxWebhooksSetting reads FEEDWIRE_MAX_WEBHOOKS: how many webhooks one workspace may
// have, at least 1.
func maxWebhooksSetting(dst *int) func(string) error {
	return func(s string) error {
		if err := intSetting(dst)(s); err != nil {
			return err
		}
		if *dst < 1 {
			return fmt.Errorf("%q: want at least 1", s)
		}
		return nil
	}
}
