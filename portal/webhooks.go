package portal

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/webhook"
	"github.com/feedwire/feedwire/wire"
)

// chartSpan is how far back the charts of a webhook look.
const chartSpan = 24 * time.Hour

type webhooksView struct {
	Webhooks []webhookRow
	Next     string
}

type webhookRow struct {
	feedwire.Webhook
	Health badge
}

// badge is a word and its tone (good, warn, bad, neutral) shown at a glance.
type badge struct {
	Text, Tone string
}

// healthOf sums up a webhook from its state and its endpoint's recent answers.
func healthOf(w *feedwire.Webhook) badge {
	h := w.Health
	switch {
	case w.Status == feedwire.WebhookSuspended:
		return badge{"suspended", "bad"}
	case w.Status == feedwire.WebhookPaused:
		return badge{"paused", "neutral"}
	case w.LastStatus == nil:
		return badge{"no attempts yet", "neutral"}
	case h.ErrorsSinceLastSuccess == 0:
		return badge{"healthy", "good"}
	case h.LastSuccessAt == nil || h.ConsecutiveFailures > 0:
		return badge{"failing", "bad"}
	}
	return badge{plural(h.ErrorsSinceLastSuccess, "failed attempt") + " since last success", "warn"}
}

// plural writes a count of things: "1 failed attempt", "2 failed attempts".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}

// lastAnswer writes a webhook's last status as one line: "503 Service Unavailable",
// or the error when there was no answer.
func lastAnswer(ls *feedwire.WebhookLastStatus) string {
	if ls == nil {
		return ""
	}
	code := strconv.Itoa(ls.Code)
	if ls.Code == 0 || strings.HasPrefix(ls.Message, code) {
		return ls.Message
	}
	return code + " " + ls.Message
}

func (p *portal) webhooksPage(w http.ResponseWriter, r *http.Request, s *session) error {
	page, err := p.Webhooks.Webhooks(r.Context(), s.workspaceID, feedwire.ListParams{Limit: feedwire.MaxListLimit, After: r.URL.Query().Get("after")})
	if err != nil {
		return err
	}
	v := webhooksView{Next: page.Next}
	for _, hook := range page.Items {
		v.Webhooks = append(v.Webhooks, webhookRow{hook, healthOf(&hook)})
	}
	p.render(w, r, s, http.StatusOK, "webhooks", "Webhooks", v)
	return nil
}

// webhookView is a webhook's page: its settings, health, charts and actions.
type webhookView struct {
	Webhook  *feedwire.Webhook
	Health   badge
	Outcomes chart
	Latency  chart
	Since    time.Time // the default start of a recover or replay
	JobForms []jobForm
}

// jobForm is the form that starts a recover or a replay.
type jobForm struct {
	Kind  feedwire.JobKind
	Label string
}

func (p *portal) webhookPage(w http.ResponseWriter, r *http.Request, s *session) error {
	hook, err := p.Webhooks.Webhook(r.Context(), s.workspaceID, r.PathValue("id"))
	if err != nil {
		return err
	}
	now := p.Now().UTC()
	attempts, err := p.Attempts.AttemptSummaries(r.Context(), s.workspaceID, hook.ID, now.Add(-chartSpan))
	if err != nil {
		return err
	}
	hours := hourlyBuckets(attempts, now, int(chartSpan/time.Hour))
	v := webhookView{Webhook: hook, Health: healthOf(hook), Outcomes: outcomeChart(hours), Latency: latencyChart(hours),
		Since:    now.Add(-time.Hour).Truncate(time.Minute),
		JobForms: []jobForm{{feedwire.JobRecover, "Recover"}, {feedwire.JobReplay, "Replay"}}}
	p.render(w, r, s, http.StatusOK, "webhook", hook.Name, v)
	return nil
}

// webhookForm is what the create and edit forms hold, as typed.
type webhookForm struct {
	Name, URL, Description, Format, Secret, TimeoutMs string
	Topics                                            []string
	// The delivery controls: a rate limit (both empty for none), the ordering, and a
	// filter as JSON text (empty for none).
	RatePerSecond, RateBurst, Ordering, Filter string
}

// controls are what the form's delivery controls mean.
type controls struct {
	rateLimit *feedwire.RateLimit
	ordering  feedwire.Ordering
	filter    json.RawMessage
}

// readControls reads the delivery controls of the form; a rate that is not a number
// is a problem of its own.
func readControls(f webhookForm, problems *feedwire.Problems) controls {
	c := controls{ordering: feedwire.Ordering(f.Ordering)}
	if f.RatePerSecond != "" || f.RateBurst != "" {
		c.rateLimit = &feedwire.RateLimit{}
		var err error
		if c.rateLimit.PerSecond, err = strconv.Atoi(f.RatePerSecond); err != nil {
			problems.Add("rateLimit.perSecond", "must be a whole number of deliveries per second")
		}
		if f.RateBurst != "" {
			if c.rateLimit.Burst, err = strconv.Atoi(f.RateBurst); err != nil {
				problems.Add("rateLimit.burst", "must be a whole number")
			}
		}
	}
	if f.Filter != "" {
		c.filter = json.RawMessage(f.Filter)
	}
	return c
}

// controlsForm shows a webhook's delivery controls in the form.
func controlsForm(hook *feedwire.Webhook, f *webhookForm) {
	f.Ordering = string(feedwire.OrderingOrDefault(hook.Ordering))
	if r := hook.RateLimit; r != nil {
		f.RatePerSecond, f.RateBurst = strconv.Itoa(r.PerSecond), strconv.Itoa(r.Burst)
	}
	if hook.Filter != nil {
		f.Filter = string(hook.Filter)
	}
}

type webhookFormView struct {
	Webhook *feedwire.Webhook // nil on the create form
	Form    webhookForm
	Errors  map[string]string // by form field; "form" for the form as a whole
	Formats []formatTopics
}

// formatTopics is one fieldset of the topic picker.
type formatTopics struct {
	Format feedwire.Format
	Types  []wire.EventType
}

// formats returns the catalog's event types by the format they belong to: the two
// vendors' and the operational types.
func (p *portal) formats() []formatTopics {
	return p.topicsOf(feedwire.FormatFeaturebase, feedwire.FormatHarvestr, feedwire.FormatOperational)
}

// formFormats returns the formats the webhook form offers, each with the event types
// a webhook of it may take: the chat formats take both vendors'. (A template webhook
// needs its template, which the API and the CLI take.)
func (p *portal) formFormats() []formatTopics {
	return p.topicsOf(feedwire.FormatFeaturebase, feedwire.FormatHarvestr, feedwire.FormatSlack, feedwire.FormatDiscord,
		feedwire.FormatTeams, feedwire.FormatOperational)
}

func (p *portal) topicsOf(formats ...feedwire.Format) []formatTopics {
	var fs []formatTopics
	for _, f := range formats {
		ft := formatTopics{Format: f}
		for _, t := range p.Catalog {
			if slices.Contains(feedwire.EventTypesOf(f), t.Name) {
				ft.Types = append(ft.Types, t)
			}
		}
		fs = append(fs, ft)
	}
	return fs
}

func (p *portal) newWebhookPage(w http.ResponseWriter, r *http.Request, s *session) error {
	form := webhookForm{Format: string(feedwire.FormatFeaturebase), TimeoutMs: "5000", Ordering: string(feedwire.OrderingUnordered)}
	p.render(w, r, s, http.StatusOK, "webhook_form", "New webhook", webhookFormView{Form: form, Formats: p.formFormats()})
	return nil
}

func (p *portal) editWebhookPage(w http.ResponseWriter, r *http.Request, s *session) error {
	hook, err := p.Webhooks.Webhook(r.Context(), s.workspaceID, r.PathValue("id"))
	if err != nil {
		return err
	}
	form := webhookForm{Name: hook.Name, URL: hook.URL, Format: string(hook.Format),
		TimeoutMs: strconv.FormatInt(hook.Timeout.Milliseconds(), 10)}
	if hook.Description != nil {
		form.Description = *hook.Description
	}
	for _, t := range hook.Topics {
		form.Topics = append(form.Topics, string(t))
	}
	controlsForm(hook, &form)
	p.render(w, r, s, http.StatusOK, "webhook_form", "Edit "+hook.Name, webhookFormView{Webhook: hook, Form: form, Formats: p.formFormats()})
	return nil
}

// readWebhookForm reads the form as typed and what it means; a timeout that is not a
// number is a problem of its own.
func readWebhookForm(r *http.Request) (webhookForm, time.Duration, feedwire.Problems) {
	f := webhookForm{
		Name: strings.TrimSpace(r.PostForm.Get("name")), URL: strings.TrimSpace(r.PostForm.Get("url")),
		Description: strings.TrimSpace(r.PostForm.Get("description")), Format: r.PostForm.Get("format"),
		Secret: r.PostForm.Get("secret"), TimeoutMs: strings.TrimSpace(r.PostForm.Get("timeoutMs")), Topics: r.PostForm["topics"],
		RatePerSecond: strings.TrimSpace(r.PostForm.Get("ratePerSecond")), RateBurst: strings.TrimSpace(r.PostForm.Get("rateBurst")),
		Ordering: r.PostForm.Get("ordering"), Filter: strings.TrimSpace(r.PostForm.Get("filter")),
	}
	var problems feedwire.Problems
	var timeout time.Duration
	if f.TimeoutMs != "" {
		ms, err := strconv.Atoi(f.TimeoutMs)
		if err != nil {
			problems.Add("requestConfig.timeoutMs", "must be a whole number of milliseconds")
		}
		timeout = time.Duration(ms) * time.Millisecond
	}
	return f, timeout, problems
}

func topicsOf(names []string) []feedwire.EventType {
	topics := make([]feedwire.EventType, len(names))
	for i, n := range names {
		topics[i] = feedwire.EventType(n)
	}
	return topics
}

// allProblems adds what validate finds to the form's own problems, so that a form
// with a bad number still hears of its other fields.
func allProblems(form feedwire.Problems, validate func() error) error {
	var fe *feedwire.Error
	if err := validate(); errors.As(err, &fe) {
		form = append(form, fe.Problems...)
	}
	return form.Err()
}

func (p *portal) createWebhook(w http.ResponseWriter, r *http.Request, s *session) error {
	form, timeout, problems := readWebhookForm(r)
	c := readControls(form, &problems)
	in := feedwire.WebhookInput{Name: form.Name, URL: form.URL, Format: feedwire.Format(form.Format),
		Topics: topicsOf(form.Topics), Timeout: timeout, RateLimit: c.rateLimit, Ordering: c.ordering, Filter: c.filter}
	if form.Description != "" {
		in.Description = &form.Description
	}
	if form.Secret != "" {
		in.Secret = &form.Secret
	}
	if len(problems) > 0 {
		hook := in.Webhook(webhook.NewSecret)
		return p.webhookFormError(w, r, s, nil, form, allProblems(problems, hook.Validate))
	}
	hook, err := p.Webhooks.CreateWebhook(r.Context(), s.workspaceID, in)
	if err != nil {
		return p.webhookFormError(w, r, s, nil, form, err)
	}
	p.sessions.setNotice(s, notice{Text: "Webhook created. Its secret signs every delivery; keep it in your receiver's configuration.", Secret: hook.Secret})
	http.Redirect(w, r, "/webhooks/"+hook.ID, http.StatusSeeOther)
	return nil
}

func (p *portal) updateWebhook(w http.ResponseWriter, r *http.Request, s *session) error {
	hook, err := p.Webhooks.Webhook(r.Context(), s.workspaceID, r.PathValue("id"))
	if err != nil {
		return err
	}
	form, timeout, problems := readWebhookForm(r)
	form.Format = string(hook.Format) // a webhook keeps its format
	c := readControls(form, &problems)
	patch := feedwire.WebhookPatch{Name: feedwire.Set(form.Name), URL: feedwire.Set(form.URL),
		Topics: feedwire.Set(topicsOf(form.Topics)), Description: feedwire.Null[string](),
		Timeout: feedwire.Null[time.Duration](), RateLimit: feedwire.Null[feedwire.RateLimit](),
		Ordering: feedwire.Set(feedwire.OrderingOrDefault(c.ordering)), Filter: feedwire.Null[json.RawMessage]()}
	if c.rateLimit != nil {
		patch.RateLimit = feedwire.Set(*c.rateLimit)
	}
	if c.filter != nil {
		patch.Filter = feedwire.Set(c.filter)
	}
	if form.Description != "" {
		patch.Description = feedwire.Set(form.Description)
	}
	if form.TimeoutMs != "" && len(problems) == 0 {
		patch.Timeout = feedwire.Set(timeout)
	}
	if len(problems) > 0 {
		return p.webhookFormError(w, r, s, hook, form, allProblems(problems, func() error { changed := *hook; return patch.Apply(&changed) }))
	}
	if _, err := p.Webhooks.UpdateWebhook(r.Context(), s.workspaceID, hook.ID, patch); err != nil {
		return p.webhookFormError(w, r, s, hook, form, err)
	}
	p.redirectWith(w, r, s, "/webhooks/"+hook.ID, "Webhook saved.")
	return nil
}

// webhookFormError shows the form again, as typed, with what is wrong beside each
// field; an error that is not the input's is returned.
func (p *portal) webhookFormError(w http.ResponseWriter, r *http.Request, s *session, hook *feedwire.Webhook, form webhookForm, err error) error {
	var fe *feedwire.Error
	if !errors.As(err, &fe) || errors.Is(err, feedwire.ErrNotFound) {
		return err
	}
	title := "New webhook"
	if hook != nil {
		title = "Edit " + hook.Name
	}
	v := webhookFormView{Webhook: hook, Form: form, Errors: formErrors(fe), Formats: p.formFormats()}
	p.render(w, r, s, statusOf(err), "webhook_form", title, v)
	return nil
}

// problemField maps a problem's field ("topics[2]", "requestConfig.timeoutMs") to
// the form field that shows it.
var problemField = regexp.MustCompile(`^(?:requestConfig\.)?([a-zA-Z]+)`)

// formErrors is what a form shows beside its fields: a problem of a field it has not
// goes at the top of the form, as does an error without problems.
func formErrors(fe *feedwire.Error) map[string]string {
	fields := []string{"name", "url", "description", "format", "topics", "secret", "timeoutMs", "rateLimit", "ordering", "filter"}
	errs := map[string]string{}
	add := func(field, message string) {
		if errs[field] != "" {
			message = errs[field] + "; " + message
		}
		errs[field] = message
	}
	for _, pr := range fe.Problems {
		m := problemField.FindStringSubmatch(pr.Field)
		if m != nil && slices.Contains(fields, m[1]) {
			add(m[1], pr.Message)
		} else {
			add("form", pr.Field+": "+pr.Message)
		}
	}
	if len(fe.Problems) == 0 {
		add("form", fe.Message)
	}
	return errs
}

// setWebhookStatus pauses or resumes a webhook.
func (p *portal) setWebhookStatus(status feedwire.WebhookStatus) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, s *session) error {
		hook, err := p.Webhooks.UpdateWebhook(r.Context(), s.workspaceID, r.PathValue("id"), feedwire.WebhookPatch{Status: feedwire.Set(status)})
		if err != nil {
			return err
		}
		text := "Webhook paused: its deliveries wait until it is resumed."
		if status == feedwire.WebhookActive {
			text = "Webhook resumed."
		}
		p.redirectWith(w, r, s, "/webhooks/"+hook.ID, text)
		return nil
	}
}

func (p *portal) revealSecret(w http.ResponseWriter, r *http.Request, s *session) error {
	hook, err := p.Webhooks.Webhook(r.Context(), s.workspaceID, r.PathValue("id"))
	if err != nil {
		return err
	}
	n := notice{Text: "This webhook has no secret: its deliveries are not signed.", Secret: hook.Secret}
	if hook.Secret != "" {
		n.Text = "The webhook's secret:"
	}
	p.sessions.setNotice(s, n)
	http.Redirect(w, r, "/webhooks/"+hook.ID, http.StatusSeeOther)
	return nil
}

// gracePeriods are what the rotate form offers: how long the old secret keeps signing.
var gracePeriods = map[string]time.Duration{"0s": 0, "1h": time.Hour, "24h": 24 * time.Hour, "168h": 7 * 24 * time.Hour}

func (p *portal) rotateSecret(w http.ResponseWriter, r *http.Request, s *session) error {
	grace, ok := gracePeriods[r.PostForm.Get("grace")]
	if !ok {
		return feedwire.Invalid("grace", "choose how long the old secret keeps working: 0s, 1h, 24h or 168h")
	}
	hook, err := p.Webhooks.RotateWebhookSecret(r.Context(), s.workspaceID, r.PathValue("id"), grace, nil)
	if err != nil {
		return err
	}
	text := "Secret rotated. The new one signs every delivery from now on"
	if grace > 0 {
		text += "; the old one also signs the webhook-signature header for " + grace.String()
	}
	p.sessions.setNotice(s, notice{Text: text + ".", Secret: hook.Secret})
	http.Redirect(w, r, "/webhooks/"+hook.ID, http.StatusSeeOther)
	return nil
}

func (p *portal) testWebhook(w http.ResponseWriter, r *http.Request, s *session) error {
	d, err := p.Webhooks.TestWebhook(r.Context(), s.workspaceID, r.PathValue("id"), feedwire.EventType(r.PostForm.Get("eventType")))
	if err != nil {
		return err
	}
	p.redirectWith(w, r, s, "/deliveries/"+d.ID, "Test event queued: an example "+string(d.EventType)+" event, sent once.")
	return nil
}
