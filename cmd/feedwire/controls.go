package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/feedwire/feedwire/client"
)

// controlFlags are the flags of a webhook's delivery controls, which webhooks create
// and webhooks update share: its filter and its template.
type controlFlags struct {
	filter, templateFile, contentType *string
}

func addControlFlags(fs *flagSet, update bool) controlFlags {
	filterUsage := "a JSON `FILTER` over each event's payload, such as '{\"data.channel\": \"MAIL\"}'; only the events it matches are delivered"
	if update {
		filterUsage += "; null removes it"
	}
	return controlFlags{
		filter:       fs.String("filter", "", filterUsage),
		templateFile: fs.String("template-file", "", "the `FILE` of a Go text/template rendering each body (format template)"),
		contentType:  fs.String("template-content-type", "application/json", "the Content-Type of the bodies the template renders"),
	}
}

// filterJSON returns the filter flag as JSON: nil when it is empty, JSON null for
// "null". The server says what is wrong with a filter; this only checks it is JSON.
func (c controlFlags) filterJSON() (json.RawMessage, error) {
	text := strings.TrimSpace(*c.filter)
	if text == "" {
		return nil, nil
	}
	if !json.Valid([]byte(text)) {
		return nil, usageError("--filter is not JSON: give an object such as '{\"data.channel\": \"MAIL\"}'")
	}
	return json.RawMessage(text), nil
}

// template reads the template file, or returns nil when none is given.
func (c controlFlags) template() (*client.WebhookTemplate, error) {
	if *c.templateFile == "" {
		return nil, nil
	}
	body, err := os.ReadFile(*c.templateFile)
	if err != nil {
		return nil, fmt.Errorf("--template-file: %w", err)
	}
	return &client.WebhookTemplate{Body: string(body), ContentType: *c.contentType}, nil
}

// patch adds the controls given to a webhook's patch.
func (c controlFlags) patch(patch map[string]any) error {
	filter, err := c.filterJSON()
	if err != nil {
		return err
	}
	if filter != nil {
		patch["filter"] = filter
	}
	template, err := c.template()
	if err != nil {
		return err
	}
	if template != nil {
		patch["template"] = template
	}
	return nil
}

func webhooksTestFilter(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "webhooks test-filter", "Tell whether an event payload passes a webhook's filter, or a candidate filter,\n"+
		"without changing anything. Exits 0 either way; the answer says matched or rejected.",
		"  feedwire webhooks test-filter 6b0594… --payload-file event.json\n"+
			"  feedwire webhooks test-filter 6b0594… --payload-file event.json --filter '{\"data.item.upvotes\": {\"$gte\": 10}}'")
	connect := remoteFlags(fs, e)
	payloadFile := fs.String("payload-file", "", "the `FILE` of an event payload, as GET /v1/events shows it (its payload) or a receiver gets it")
	candidate := fs.String("filter", "", "a `FILTER` to try instead of the webhook's own")
	r, ids, err := parseRemote(fs, connect, args, 1, "a webhook id")
	if err != nil {
		return err
	}
	if *payloadFile == "" {
		return usageError("webhooks test-filter: give --payload-file")
	}
	payload, err := os.ReadFile(*payloadFile)
	if err != nil {
		return fmt.Errorf("--payload-file: %w", err)
	}
	filter, err := controlFlags{filter: candidate}.filterJSON()
	if err != nil {
		return err
	}
	result, err := r.client.TestWebhookFilter(ctx, ids[0], payload, filter)
	if err != nil {
		return err
	}
	if r.json {
		return r.show(result)
	}
	verdict := "rejected: an event with this payload gets no delivery"
	if result.Matched {
		verdict = "matched: an event with this payload is delivered"
	}
	fmt.Fprintf(r.stdout, "%s\nfilter: %s\n", verdict, result.Filter)
	return nil
}

// filterText shows a webhook's filter in a table: "-" for none.
func filterText(filter json.RawMessage) string {
	if len(filter) == 0 || string(filter) == "null" {
		return "-"
	}
	return string(filter)
}

// templateText shows a webhook's template in a table: its content type and size.
func templateText(t *client.WebhookTemplate) string {
	if t == nil {
		return "-"
	}
	return fmt.Sprintf("%d bytes of %s", len(t.Body), t.ContentType)
}
