package chatinc

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/jonboulle/clockwork"
	"golang.org/x/time/rate"
)

// Defaults of a new Client.
const (
	DefaultBatchSize        = 1000
	DefaultMaxResponseBytes = 64 << 20
	DefaultRetryMaxElapsed  = 30 * time.Second
	DefaultRetryMaxAttempts = 6
	DefaultTimeout          = 30 * time.Second
)

// Option configures a Client.
type Option func(*Client)

// WithTransport uses rt as the HTTP transport (e.g. an otelhttp transport).
func WithTransport(rt http.RoundTripper) Option { return func(c *Client) { c.transport = rt } }

// WithRateLimit is fixed flow control: a token bucket of r requests per
// second with a burst, shared by every goroutine using the client (rate.Inf:
// no limit). Without it (or WithFlowControl) the client is adaptive.
func WithRateLimit(r rate.Limit, burst int) Option {
	return func(c *Client) { c.flowCfg = FlowControl{Mode: FlowFixed, Ceiling: float64(r), Burst: burst} }
}

// WithFlowControl sets how the client paces its calls (default: adaptive,
// no ceiling).
func WithFlowControl(fc FlowControl) Option { return func(c *Client) { c.flowCfg = fc } }

// WithRetry sets the retry budget: at most maxAttempts tries per call, and no
// new try after maxElapsed since the first.
func WithRetry(maxElapsed time.Duration, maxAttempts uint) Option {
	return func(c *Client) { c.retry.maxElapsed, c.retry.maxAttempts = maxElapsed, maxAttempts }
}

// RetryObserver is told of each retry the client schedules: the endpoint
// (its /v1/... path), the number of the try that failed (1 for the first),
// the wait chosen before the next try (the backoff, or the server's
// Retry-After when longer) and the failure (with the API key redacted). It
// runs on the calling goroutine before the wait, so it must be quick; it is
// not called for failures that end the call (not retryable, or the retry
// budget is spent). If ctx ends during the wait, the call returns without
// the next try.
type RetryObserver func(endpoint string, attempt uint, wait time.Duration, err error)

// WithRetryObserver sets f to be told of every retry (nil: none), e.g. to
// count retries per endpoint.
func WithRetryObserver(f func(endpoint string, attempt uint, wait time.Duration, err error)) Option {
	return func(c *Client) { c.retry.observe = f }
}

// WithBatchSize sets how many contacts or values go in one request.
func WithBatchSize(n int) Option { return func(c *Client) { c.batch = n } }

// WithLogger logs each request at debug level (never numbers or the key).
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// WithMaxResponseBytes caps the size of a response body the client reads.
func WithMaxResponseBytes(n int64) Option { return func(c *Client) { c.maxBody = n } }

// WithTimeout caps each single try (default 30s); 0 means no cap.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithClock sets the clock of retries, pacing and timeToRun checks
// (default: the real one; tests pass a fake one).
func WithClock(c clockwork.Clock) Option {
	return func(cl *Client) {
		if c != nil {
			cl.clock = c
		}
	}
}

// sleep waits d on clock, or until ctx ends.
func sleep(ctx context.Context, clock clockwork.Clock, d time.Duration) error {
	select {
	case <-clock.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
