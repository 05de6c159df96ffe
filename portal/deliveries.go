package portal

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/wire"
)

// deliveriesView is the list of deliveries with its filter form.
type deliveriesView struct {
	Query      url.Values // the filter as given, for the form and the next page's link
	Error      string     // what is wrong with the filter
	Deliveries []deliveryRow
	Next       string
	Webhooks   []feedwire.Webhook // for the webhook filter
	Statuses   []feedwire.DeliveryStatus
	Catalog    []wire.EventType
}

type deliveryRow struct {
	feedwire.Delivery
	WebhookName string
}

var deliveryStatuses = []feedwire.DeliveryStatus{feedwire.DeliveryPending, feedwire.DeliverySucceeded, feedwire.DeliveryFailed}

// deliveryFilter reads the filter of the deliveries page from its query.
func (p *portal) deliveryFilter(q url.Values) (feedwire.DeliveryFilter, error) {
	f := feedwire.DeliveryFilter{ListParams: feedwire.ListParams{Limit: 50, After: q.Get("after")},
		WebhookID: q.Get("webhook"), Status: feedwire.DeliveryStatus(q.Get("status")), EventType: feedwire.EventType(q.Get("topic"))}
	var problems feedwire.Problems
	if f.Status != "" && !slices.Contains(deliveryStatuses, f.Status) {
		problems.Add("status", "must be pending, succeeded or failed")
	}
	if f.EventType != "" && !slices.ContainsFunc(p.Catalog, func(t wire.EventType) bool { return t.Name == f.EventType }) {
		problems.Add("topic", "is not an event type; the event catalog lists them")
	}
	var ok bool
	if f.Since, ok = parseInputTime(q.Get("since")); !ok {
		problems.Add("since", badInputTime)
	}
	if f.Until, ok = parseInputTime(q.Get("until")); !ok {
		problems.Add("until", badInputTime)
	}
	return f, problems.Err()
}

func (p *portal) deliveriesPage(w http.ResponseWriter, r *http.Request, s *session) error {
	q := r.URL.Query()
	hooks, err := p.Webhooks.Webhooks(r.Context(), s.workspaceID, feedwire.ListParams{Limit: feedwire.MaxListLimit})
	if err != nil {
		return err
	}
	v := deliveriesView{Query: q, Webhooks: hooks.Items, Statuses: deliveryStatuses, Catalog: p.Catalog}
	filter, err := p.deliveryFilter(q)
	if err != nil {
		v.Error = err.Error()
		p.render(w, r, s, http.StatusUnprocessableEntity, "deliveries", "Deliveries", v)
		return nil
	}
	page, err := p.Deliveries.Deliveries(r.Context(), s.workspaceID, filter)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, h := range hooks.Items {
		names[h.ID] = h.Name
	}
	for _, d := range page.Items {
		v.Deliveries = append(v.Deliveries, deliveryRow{d, names[d.WebhookID]})
	}
	v.Next = page.Next
	p.render(w, r, s, http.StatusOK, "deliveries", "Deliveries", v)
	return nil
}

type deliveryView struct {
	Delivery *feedwire.Delivery
	Webhook  *feedwire.Webhook
	Attempts []feedwire.Attempt
}

func (p *portal) deliveryPage(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	d, err := p.Deliveries.Delivery(ctx, s.workspaceID, r.PathValue("id"))
	if err != nil {
		return err
	}
	hook, err := p.Webhooks.Webhook(ctx, s.workspaceID, d.WebhookID)
	if err != nil {
		return err
	}
	attempts, err := p.Deliveries.Attempts(ctx, s.workspaceID, d.ID)
	if err != nil {
		return err
	}
	slices.Reverse(attempts) // the latest first: it is the one people look for
	p.render(w, r, s, http.StatusOK, "delivery", "Delivery "+d.ID, deliveryView{Delivery: d, Webhook: hook, Attempts: attempts})
	return nil
}

func (p *portal) retryDelivery(w http.ResponseWriter, r *http.Request, s *session) error {
	d, err := p.Deliveries.RetryDelivery(r.Context(), s.workspaceID, r.PathValue("id"))
	if err != nil {
		return err
	}
	text := "Retry queued: the next attempt starts in a moment."
	if d.NextAttemptAt == nil {
		text = "Retry queued: it waits until the webhook is resumed."
	}
	p.redirectWith(w, r, s, "/deliveries/"+d.ID, text)
	return nil
}
