package delivery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/feedwire/feedwire"
)

// attempt makes one attempt at a claimed delivery and returns it with its outcome
// decided. It never fails: whatever goes wrong is the attempt's error class.
func (d *Dispatcher) attempt(c *feedwire.Claim) feedwire.AttemptResult {
	start := d.now()
	a := feedwire.Attempt{
		DeliveryID: c.Delivery.ID, WebhookID: c.Webhook.ID, Number: c.Delivery.Attempts + 1,
		StartedAt: start, RequestURL: c.Webhook.URL,
	}
	// Shutdown lets attempts under way finish, within their own timeout.
	ctx, cancel := context.WithTimeout(context.Background(), c.Webhook.Timeout)
	defer cancel()
	var retryAfter string
	req, body, err := newRequest(ctx, c, start)
	if err != nil {
		a.ErrorClass, a.ErrorMessage = feedwire.ErrorConnect, err.Error()
	} else {
		a.RequestHeaders, a.RequestBody = req.Header.Clone(), body
		began := time.Now()
		retryAfter = d.send(req, &a)
		a.Duration = time.Since(began)
	}
	decide(&a, c, retryAfter, start)
	return feedwire.AttemptResult{Claim: c, Attempt: a}
}

// send sends the request and records the answer, or the error, in a. It returns the
// answer's Retry-After header.
func (d *Dispatcher) send(req *http.Request, a *feedwire.Attempt) (retryAfter string) {
	resp, err := d.client.Do(req)
	if err != nil {
		a.ErrorClass, a.ErrorMessage = classify(err), err.Error()
		return ""
	}
	defer resp.Body.Close()
	a.ResponseStatus, a.ResponseHeaders = resp.StatusCode, resp.Header
	body, err := io.ReadAll(io.LimitReader(resp.Body, feedwire.MaxRecordedBody))
	a.ResponseBody = body
	switch {
	case err != nil:
		// The status came, but not the body: judged by the status, noted in the message.
		a.ErrorMessage = "reading the response body: " + err.Error()
		if classify(err) == feedwire.ErrorTimeout {
			a.ErrorClass = feedwire.ErrorTimeout
		}
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		a.ErrorClass = feedwire.ErrorRedirect
		a.ErrorMessage = fmt.Sprintf("%s to %s; redirects are not followed", resp.Status, resp.Header.Get("Location"))
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		a.ErrorClass, a.ErrorMessage = feedwire.ErrorStatus, resp.Status
	}
	return resp.Header.Get("Retry-After")
}

// classify names what kind of failure err is.
func classify(err error) feedwire.ErrorClass {
	var blocked *BlockedError
	var dnsErr *net.DNSError
	var netErr net.Error
	var certErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	var alertErr tls.AlertError
	var unknownAuthority x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	switch {
	case errors.As(err, &blocked):
		return feedwire.ErrorBlocked
	case errors.As(err, &dnsErr):
		return feedwire.ErrorDNS
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return feedwire.ErrorTimeout
	case errors.As(err, &certErr), errors.As(err, &recordErr), errors.As(err, &alertErr),
		errors.As(err, &unknownAuthority), errors.As(err, &hostnameErr), errors.As(err, &invalidCert):
		return feedwire.ErrorTLS
	}
	return feedwire.ErrorConnect
}
