package delivery

import (
	"errors"

	"github.com/feedwire/feedwire"
	"github.com/feedwire/feedwire/filter"
	"github.com/feedwire/feedwire/wire"
)

// checkControls checks what Webhook.Validate cannot, with the standard library alone:
// that the webhook's filter compiles, and that its template parses and renders the
// example of each of its topics. Problems are located in the request body, such as
// filter.$or[1].data.votes.$gt or template.body.
func checkControls(w *feedwire.Webhook) error {
	if w.Filter != nil {
		if _, err := filter.Parse(w.Filter); err != nil {
			return filterProblem(err)
		}
	}
	if w.Template != nil {
		return wire.CheckTemplate(*w.Template, w.Topics)
	}
	return nil
}

// filterProblem turns a filter's error into a problem on the part of the filter it
// names.
func filterProblem(err error) error {
	var fe *filter.Error
	if !errors.As(err, &fe) {
		return err
	}
	return feedwire.Invalid(fe.Field(), fe.Message)
}
