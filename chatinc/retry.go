package chatinc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// userAgent is the User-Agent of every request.
const userAgent = "campaignflow-chatinc/1"

// Header values shared by every request (net/http and otelhttp copy or
// replace a header's values, never modify them).
var (
	hdrJSON      = []string{"application/json"}
	hdrUserAgent = []string{userAgent}
)

type retryPolicy struct {
	initial, max time.Duration
	maxElapsed   time.Duration
	maxAttempts  uint
	// observe, if set, is told of each retry before its wait (WithRetryObserver).
	observe RetryObserver
}

func defaultRetryPolicy() retryPolicy {
	return retryPolicy{initial: 250 * time.Millisecond, max: 10 * time.Second,
		maxElapsed: DefaultRetryMaxElapsed, maxAttempts: DefaultRetryMaxAttempts}
}

// call is one logical API call, tried one or more times.
type call struct {
	endpoint string
	method   string
	// body returns a fresh body for each try (nil for none) and its type.
	body func() (io.Reader, string, error)
	// idempotent calls retry on any transient failure; others only when
	// the request provably did not reach Chat Inc.
	idempotent bool
	// stream: the body is read by handle directly, without the size cap
	// for buffered answers (handle must close nothing; do closes it).
	handle func(*http.Response) error
}

// do runs c with retries, the rate limit and the context.
func (c *Client) do(ctx context.Context, cl call) error {
	if err := c.refuseWrite(cl.endpoint); err != nil {
		return err
	}
	var bo *backoff.ExponentialBackOff // made at the first retry: most calls need none
	start := c.clock.Now()
	var waitedUntil time.Time // this goroutine's retry wait already covers pauses until then
	for attempt := uint(1); ; attempt++ {
		err := c.try(ctx, cl, waitedUntil)
		if err == nil {
			return nil
		}
		retryable, wait := c.shouldRetry(cl, err)
		if !retryable || ctx.Err() != nil {
			return err
		}
		if bo == nil {
			bo = backoff.NewExponentialBackOff()
			bo.InitialInterval, bo.MaxInterval = c.retry.initial, c.retry.max
			bo.RandomizationFactor, bo.Multiplier = 0.5, 2
			bo.Reset()
		}
		next := bo.NextBackOff()
		if wait > next {
			next = wait
		}
		if attempt >= c.retry.maxAttempts || c.clock.Now().Add(next).Sub(start) > c.retry.maxElapsed {
			return fmt.Errorf("chatinc: %s: gave up after %d tries: %w", cl.endpoint, attempt, err)
		}
		c.log.DebugContext(ctx, "chatinc retry", "endpoint", cl.endpoint, "attempt", attempt, "wait", next, "err", err)
		if c.retry.observe != nil {
			c.retry.observe(cl.endpoint, attempt, next, err)
		}
		waitedUntil = c.clock.Now().Add(next)
		if serr := sleep(ctx, c.clock, next); serr != nil {
			return err
		}
	}
}

// notSent marks an error that happened before the request was written.
type notSent struct{ err error }

func (e *notSent) Error() string { return e.err.Error() }
func (e *notSent) Unwrap() error { return e.err }

func (c *Client) shouldRetry(cl call, err error) (bool, time.Duration) {
	var ae *APIError
	if errors.As(err, &ae) {
		switch {
		case ae.StatusCode == http.StatusTooManyRequests, ae.StatusCode == http.StatusServiceUnavailable:
			return true, ae.RetryAfter
		case ae.StatusCode >= 500:
			return cl.idempotent, ae.RetryAfter
		}
		return false, 0
	}
	var amb *AmbiguousError
	if errors.As(err, &amb) {
		return false, 0
	}
	var ns *notSent
	if errors.As(err, &ns) {
		return true, 0
	}
	return cl.idempotent && IsTransient(err), 0
}

// try sends the request once.
func (c *Client) try(ctx context.Context, cl call, waitedUntil time.Time) error {
	tk, err := c.flowFor(cl.endpoint).acquire(ctx, waitedUntil)
	if err != nil {
		return fmt.Errorf("chatinc: %s: waiting for the rate limit: %w", cl.endpoint, err)
	}
	callerCtx := ctx
	released := false
	release := func(err error) {
		if !released {
			released = true
			tk.release(callerCtx, err)
		}
	}
	defer release(errNotCalled)
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	var body io.Reader
	ctype := ""
	if cl.body != nil {
		if body, ctype, err = cl.body(); err != nil {
			release(errNotCalled)
			return err
		}
	}
	wrote := false
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { wrote = true }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), cl.method, c.endpointURL(cl.endpoint), body)
	if err != nil {
		return fmt.Errorf("chatinc: %s: %w", cl.endpoint, err)
	}
	// One map of the right size with shared, never modified values, instead
	// of four Sets growing an empty map on every request.
	req.Header = http.Header{"Authorization": c.authHdr, "Accept": hdrJSON, "User-Agent": hdrUserAgent}
	if ctype == "application/json" {
		req.Header["Content-Type"] = hdrJSON
	} else if ctype != "" {
		req.Header["Content-Type"] = []string{ctype}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		err = fmt.Errorf("chatinc: %s: %w", cl.endpoint, c.scrub(err))
		release(err)
		if !wrote && !isCtxErr(ctx, err) {
			return &notSent{err}
		}
		if !cl.idempotent {
			return &AmbiguousError{Endpoint: cl.endpoint, Err: err}
		}
		return err
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
	}()
	if resp.StatusCode >= 300 {
		aerr := c.apiError(cl.endpoint, resp)
		release(aerr)
		return aerr
	}
	release(nil)
	if cl.handle == nil {
		return nil
	}
	if err := cl.handle(resp); err != nil {
		if !cl.idempotent && !errors.Is(err, errTooBig) {
			var se *json.SyntaxError
			if !errors.As(err, &se) {
				return &AmbiguousError{Endpoint: cl.endpoint, Err: err}
			}
		}
		return fmt.Errorf("chatinc: %s: reading the answer: %w", cl.endpoint, err)
	}
	return nil
}

func isCtxErr(ctx context.Context, err error) bool {
	return ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}

// scrub keeps only the text of a transport error, with the key removed; the
// result is a net.Error so IsTransient still sees a network failure.
func (c *Client) scrub(err error) error {
	var ne net.Error
	timeout := errors.As(err, &ne) && ne.Timeout()
	return &transportError{msg: c.redact(err.Error()), timeout: timeout || errors.Is(err, context.DeadlineExceeded)}
}

// transportError is a network failure talking to Chat Inc.
type transportError struct {
	msg     string
	timeout bool
}

func (e *transportError) Error() string   { return e.msg }
func (e *transportError) Timeout() bool   { return e.timeout }
func (e *transportError) Temporary() bool { return true }

// Is lets a timed-out try match context.DeadlineExceeded.
func (e *transportError) Is(target error) bool {
	return e.timeout && target == context.DeadlineExceeded
}

// errNotCalled releases a flow ticket whose request was never sent: no
// signal either way.
var errNotCalled = errors.New("chatinc: request not sent")

var errTooBig = errors.New("response body exceeds the client's size limit (WithMaxResponseBytes)")

// readBody reads a buffered answer of at most maxBody bytes.
func (c *Client) readBody(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, c.maxBody+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > c.maxBody {
		return nil, errTooBig
	}
	return b, nil
}

// bodyBufs are read buffers for answers decoded at once (decodeInto): most
// answers are small, and a buffer per call was a good part of a call's
// garbage.
var bodyBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// decodeBody reads r (at most maxBody) into a pooled buffer and decodes it
// into v.
func (c *Client) decodeBody(r io.Reader, v any) error {
	buf := bodyBufs.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 { // keep small buffers only
			buf.Reset()
			bodyBufs.Put(buf)
		}
	}()
	buf.Reset()
	n, err := buf.ReadFrom(io.LimitReader(r, c.maxBody+1))
	if err != nil {
		return err
	}
	if n > c.maxBody {
		return errTooBig
	}
	return json.Unmarshal(buf.Bytes(), v)
}

func (c *Client) apiError(endpoint string, resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body struct {
		Code  string `json:"code"`
		Error string `json:"error"`
	}
	msg := strings.TrimSpace(string(b))
	if json.Unmarshal(b, &body) == nil && body.Error != "" {
		msg = body.Error
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return &APIError{
		Endpoint:   endpoint,
		StatusCode: resp.StatusCode,
		Code:       body.Code,
		Message:    c.redact(msg),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), c.clock.Now()),
	}
}

// parseRetryAfter reads Retry-After in seconds or as an HTTP-date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
