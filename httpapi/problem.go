package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/feedwire/feedwire"
)

// problem turns any error a handler returns into the RFC 9457 problem the client sees.
// Domain errors keep their message and field problems; anything else is an internal
// error, logged in full and shown only as the request id.
func (s *server) problem(ctx context.Context, err error) huma.StatusError {
	var fe *feedwire.Error
	if errors.As(err, &fe) {
		if status, ok := feedwire.HTTPStatus(err); ok {
			return &huma.ErrorModel{
				Status: status, Title: http.StatusText(status),
				Detail: fe.Message, Errors: problemDetails(fe.Problems),
			}
		}
	}
	if errors.Is(err, context.Canceled) {
		// The client went away; nobody will read this answer.
		return &huma.ErrorModel{Status: 499, Title: "Client Closed Request"}
	}
	id := requestID(ctx)
	s.logger.ErrorContext(ctx, "internal error", slog.String("request_id", id), slog.Any("error", err))
	return &huma.ErrorModel{
		Status: http.StatusInternalServerError, Title: http.StatusText(http.StatusInternalServerError),
		Detail: "internal error; the server log has the details under request id " + id,
	}
}

// problemDetails locates each field problem in the request: a field is a member of
// the body unless it says it is in the query or the path ("query.cursor").
func problemDetails(problems []feedwire.FieldProblem) []*huma.ErrorDetail {
	var details []*huma.ErrorDetail
	for _, p := range problems {
		location := p.Field
		if !strings.HasPrefix(location, "query.") && !strings.HasPrefix(location, "path.") {
			location = "body." + location
		}
		details = append(details, &huma.ErrorDetail{Location: location, Message: p.Message})
	}
	return details
}
