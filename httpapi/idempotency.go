package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/feedwire/feedwire"
)

// idempotent makes a POST that carries an Idempotency-Key safe to send again, as Stripe
// does: the first request with a key runs and its answer is kept for
// feedwire.IdempotencyKeyLifetime; the same request again (method, path and body) gets
// that answer again, marked Idempotent-Replayed: true, and creates nothing; another
// request with the key is refused (422), as is one while the first still runs (409).
// Only a success is kept: a refusal (4xx, the body that did not validate, a conflict, a
// rate limit) or a server error is not, so the request, mended or not, can be sent
// again with the same key, as Stripe does.
func (s *server) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		workspaceID, _ := r.Context().Value(workspaceKey).(string)
		if r.Method != http.MethodPost || key == "" || s.idempotency == nil || workspaceID == "" {
			next.ServeHTTP(w, r)
			return
		}
		if !validIdempotencyKey(key) {
			refuse(w, r, huma.Error400BadRequest("Idempotency-Key must be 1 to 255 printable ASCII characters, such as a UUID"))
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBodySize+1))
		r.Body.Close()
		if err != nil {
			refuse(w, r, huma.Error400BadRequest("the body could not be read: "+err.Error()))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body)) // checkBodies refuses one too large
		sum := sha256.Sum256(body)
		fingerprint := r.Method + " " + r.URL.RequestURI() + " " + hex.EncodeToString(sum[:])
		ctx := r.Context()
		remembered, err := s.idempotency.BeginIdempotent(ctx, workspaceID, key, fingerprint)
		switch {
		case err != nil:
			writeProblem(w, s.problem(ctx, err))
		case remembered == nil:
			s.runRemembered(w, r, next, workspaceID, key, fingerprint)
		case remembered.Fingerprint != fingerprint:
			writeProblem(w, huma.Error422UnprocessableEntity("this Idempotency-Key was sent with another request (method, path or body) in the last 24 hours; use a new key for a new request"))
		case remembered.Status == 0:
			w.Header().Set("Retry-After", "1")
			writeProblem(w, huma.Error409Conflict("a request with this Idempotency-Key is still running; send it again in a moment for its answer"))
		default:
			w.Header().Set("Content-Type", remembered.ContentType)
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(remembered.Status)
			w.Write(remembered.Body)
		}
	})
}

// runRemembered runs the request that claimed key and keeps its answer, or gives the
// key up when the answer is a server error or the handler panicked.
func (s *server) runRemembered(w http.ResponseWriter, r *http.Request, next http.Handler, workspaceID, key, fingerprint string) {
	// The answer is kept even if the client hangs up: it may send the request again.
	ctx := context.WithoutCancel(r.Context())
	rec := &answerRecorder{ResponseWriter: w}
	kept := false
	defer func() {
		if !kept {
			if err := s.idempotency.ForgetIdempotent(ctx, workspaceID, key); err != nil {
				s.logger.ErrorContext(ctx, "forget an idempotency key", "request_id", requestID(ctx), "error", err)
			}
		}
	}()
	next.ServeHTTP(rec, r)
	if rec.status < 200 || rec.status >= 300 {
		return
	}
	answer := feedwire.IdempotentAnswer{Fingerprint: fingerprint, Status: rec.status,
		ContentType: w.Header().Get("Content-Type"), Body: rec.body.Bytes()}
	if err := s.idempotency.FinishIdempotent(ctx, workspaceID, key, answer); err != nil {
		s.logger.ErrorContext(ctx, "keep the answer of an idempotency key", "request_id", requestID(ctx), "error", err)
		return
	}
	kept = true
}

// answerRecorder passes an answer on and keeps a copy of its status and body.
type answerRecorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (a *answerRecorder) WriteHeader(status int) {
	if a.status == 0 {
		a.status = status
	}
	a.ResponseWriter.WriteHeader(status)
}

func (a *answerRecorder) Write(b []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	a.body.Write(b)
	return a.ResponseWriter.Write(b)
}

func (a *answerRecorder) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// validIdempotencyKey reports whether key is 1 to 255 printable ASCII characters.
func validIdempotencyKey(key string) bool {
	if key == "" || len(key) > 255 {
		return false
	}
	for _, c := range []byte(key) {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}
