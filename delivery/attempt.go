package delivery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/feedwire/feedwire"
)

// What an attempt keeps of an answer is bounded, whatever the receiver sends: besides
// feedwire.MaxRecordedBody of the body and MaxResponseHeaderBytes read of its head,
// these bound the headers recorded and the error message.
const (
	maxRecordedHeaderValues = 100      // header values in all
	maxRecordedHeaderValue  = 4 << 10  // bytes of one value; a longer one is cut
	maxRecordedHeaderBytes  = 16 << 10 // bytes of names and values in all
	maxErrorMessage         = 1 << 10  // bytes of the error message
	// maxDrain is how much of a body feedwire reads past what it records, so that an
	// answer a little longer leaves its connection reusable. Beyond it the body is not
	// read: closing it closes the connection.
	maxDrain = 4 << 10
)

// TruncatedHeader is added to an attempt's recorded response headers when feedwire
// left some out, cut some, or cut the body; its value says what. A receiver's own
// header of that name is not recorded, so the marker is always feedwire's.
const TruncatedHeader = "Feedwire-Truncated"

// attempt makes one attempt at a claimed delivery and returns it with its outcome
// decided. It never fails: whatever goes wrong is the attempt's error class.
func (d *Dispatcher) attempt(c *feedwire.Claim) feedwire.AttemptResult {
	start := d.now()
	a := feedwire.Attempt{
		DeliveryID: c.Delivery.ID, WebhookID: c.Webhook.ID, Number: c.Delivery.Attempts + 1,
		StartedAt: start, RequestURL: c.Webhook.URL,
	}
	// Shutdown lets attempts under way finish, within their own timeout, unless it
	// cannot wait that long (Abandon).
	ctx, cancel := context.WithTimeout(d.abandoned, c.Webhook.Timeout)
	defer cancel()
	ctx, span := startSpan(ctx, d.tracer, "deliver "+string(c.Webhook.Format), c.Webhook.URL)
	defer span.End()
	var retryAfter string
	req, body, err := newRequest(ctx, &d.bodies, c, start)
	if err != nil {
		a.ErrorClass, a.ErrorMessage = feedwire.ErrorConnect, bound(err.Error())
		if errors.Is(err, errRender) {
			a.ErrorClass = feedwire.ErrorRender
		}
	} else {
		a.RequestHeaders, a.RequestBody = req.Header.Clone(), body
		began := time.Now()
		retryAfter = d.send(req, &a)
		a.Duration = time.Since(began)
	}
	decide(&a, c, retryAfter, start)
	traceAttempt(span, c, &a)
	return feedwire.AttemptResult{Claim: c, Attempt: a}
}

// send sends the request and records the answer, or the error, in a. It returns the
// answer's Retry-After header.
func (d *Dispatcher) send(req *http.Request, a *feedwire.Attempt) (retryAfter string) {
	resp, err := d.client.Do(req)
	if err != nil {
		a.ErrorClass, a.ErrorMessage = describe(err)
		var blocked *BlockedError
		if errors.As(err, &blocked) {
			// The API does not say which address was refused; the operator may want to.
			d.logger.Info("refused to connect to a non-public address", "webhook", a.WebhookID,
				"url", a.RequestURL, "address", blocked.Addr)
		}
		return ""
	}
	defer resp.Body.Close()
	body, cut, readErr := readBody(resp.Body)
	a.ResponseStatus, a.ResponseBody = resp.StatusCode, body
	a.ResponseHeaders = recordedHeaders(resp.Header, cut)
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		a.ErrorClass = feedwire.ErrorRedirect
		a.ErrorMessage = fmt.Sprintf("%s to %s; redirects are not followed", resp.Status, resp.Header.Get("Location"))
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		a.ErrorClass, a.ErrorMessage = feedwire.ErrorStatus, resp.Status
	}
	if readErr != nil {
		// The status came, but not the whole body within the timeout: the attempt is
		// judged by the status, which the receiver had decided on, and the message
		// says what became of the body.
		_, m := describe(readErr)
		a.ErrorMessage = strings.TrimPrefix(a.ErrorMessage+"; reading the response body: "+m, "; ")
	}
	a.ErrorMessage = bound(a.ErrorMessage)
	return resp.Header.Get("Retry-After")
}

// readBody reads the part of a body an attempt records, feedwire.MaxRecordedBody
// bytes, and reports whether there was more. It reads at most maxDrain bytes of the
// rest, so that a huge body costs no more than a small one.
func readBody(r io.Reader) (body []byte, cut bool, err error) {
	body, err = io.ReadAll(io.LimitReader(r, feedwire.MaxRecordedBody+1))
	if err != nil || len(body) <= feedwire.MaxRecordedBody {
		return body, false, err
	}
	io.CopyN(io.Discard, r, maxDrain) // whatever it meets, the recorded part is whole
	return body[:feedwire.MaxRecordedBody], true, nil
}

// recordedHeaders returns the part of an answer's headers an attempt keeps: in the
// order of their names, the values that fit in maxRecordedHeaderValues and
// maxRecordedHeaderBytes, each cut to maxRecordedHeaderValue bytes, and TruncatedHeader
// when anything was left out or cut, the body included.
func recordedHeaders(h http.Header, bodyCut bool) http.Header {
	kept := make(http.Header, min(len(h), maxRecordedHeaderValues)+1)
	var values, size, omitted, shortened int
	for _, name := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[name] {
			long := len(v) > maxRecordedHeaderValue
			if long {
				v = v[:maxRecordedHeaderValue] + "…"
			}
			if name == TruncatedHeader || values == maxRecordedHeaderValues || size+len(name)+len(v) > maxRecordedHeaderBytes {
				omitted++
				continue
			}
			if long {
				shortened++
			}
			kept[name] = append(kept[name], v)
			values, size = values+1, size+len(name)+len(v)
		}
	}
	var cuts []string
	if omitted > 0 {
		cuts = append(cuts, fmt.Sprintf("%d header values left out", omitted))
	}
	if shortened > 0 {
		cuts = append(cuts, fmt.Sprintf("%d header values cut to %d bytes", shortened, maxRecordedHeaderValue))
	}
	if bodyCut {
		cuts = append(cuts, fmt.Sprintf("the body cut to its first %d bytes", feedwire.MaxRecordedBody))
	}
	if len(cuts) > 0 {
		kept.Set(TruncatedHeader, strings.Join(cuts, "; ")+fmt.Sprintf(
			" (an attempt keeps at most %d header values, %d bytes in all)", maxRecordedHeaderValues, maxRecordedHeaderBytes))
	}
	return kept
}

// describe classifies err and says what went wrong, in words the API may show to
// whoever registered the URL: a refused connection does not name the address it was
// refused, nor a failed lookup the resolver that failed it.
func describe(err error) (feedwire.ErrorClass, string) {
	class := classify(err)
	var dnsErr *net.DNSError
	switch {
	case class == feedwire.ErrorBlocked:
		return class, blockedMessage
	case class == feedwire.ErrorDNS && errors.As(err, &dnsErr):
		return class, bound("lookup " + dnsErr.Name + ": " + dnsReason(dnsErr))
	}
	return class, bound(err.Error())
}

// dnsReason says why a lookup failed in fixed words: the error's own text may quote
// the resolver's address and the local one.
func dnsReason(err *net.DNSError) string {
	switch {
	case err.IsNotFound:
		return "no such host"
	case err.IsTimeout:
		return "the lookup timed out"
	default:
		return "the name server gave no usable answer"
	}
}

// bound cuts s to maxErrorMessage bytes: a message may quote what the receiver sent.
func bound(s string) string {
	if len(s) <= maxErrorMessage {
		return s
	}
	return strings.ToValidUTF8(s[:maxErrorMessage], "") + "…"
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
		errors.As(err, &unknownAuthority), errors.As(err, &hostnameErr), errors.As(err, &invalidCert),
		errors.Is(err, http.ErrSchemeMismatch): // the client's own word for an HTTP answer to its ClientHello
		return feedwire.ErrorTLS
	}
	return feedwire.ErrorConnect
}
