package telemetry

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	noopmetric "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
)

// Transport wraps base (nil: http.DefaultTransport) for the Chat Inc client
// (chatinc.WithTransport): every request is a client span named
// "chatinc <METHOD> <endpoint>", a child of the request's context (so of the
// event's span inside a handler), and is counted and timed by endpoint and
// status. The client retries inside; each try is one request here, so
// campaignflow_chatinc_requests_total counts tries; the retries themselves
// are counted by ObserveRetry (chatinc.WithRetryObserver).
func (t *Telemetry) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	counted := &countingTransport{base: base, inst: t.inst, calls: t.calls}
	traced := otelhttp.NewTransport(counted,
		otelhttp.WithTracerProvider(t.tp),
		otelhttp.WithPropagators(t.prop),
		// Our own request metrics carry the endpoint; otelhttp's would not.
		otelhttp.WithMeterProvider(noopmetric.NewMeterProvider()),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			return "chatinc " + r.Method + " " + Endpoint(r)
		}))
	return &spanTransport{traced: traced, counted: counted}
}

// spanTransport skips otelhttp inside a span that does not record (an
// event's or a tick's whose trace is not sampled): its child would not
// record either, so such calls are only counted and timed. Calls in a
// recording span, or outside any span, get their client span.
type spanTransport struct {
	traced  http.RoundTripper
	counted *countingTransport
}

func (s *spanTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if sp := trace.SpanFromContext(r.Context()); sp.SpanContext().IsValid() && !sp.IsRecording() {
		return s.counted.count(r) // the client's own body: nothing to unwrap
	}
	return s.traced.RoundTrip(r)
}

// Endpoint is the Chat Inc endpoint of r (its /v1/... path), or "other".
func Endpoint(r *http.Request) string { return endpointLabel(r.URL.Path) }

// endpointLabel bounds the endpoint label: p when it is a plain /v1/...
// path, else "other".
func endpointLabel(p string) string {
	if !strings.HasPrefix(p, "/v1/") || len(p) > 64 {
		return "other"
	}
	for _, c := range p {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '_' || c == '-') {
			return "other"
		}
	}
	return p
}

type countingTransport struct {
	base  http.RoundTripper
	inst  *instruments
	calls *callTracker
}

// RoundTrip is called by otelhttp, with its wrapper around the body.
func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return c.count(inMemoryBody(r))
}

// count sends r and counts and times it.
func (c *countingTransport) count(r *http.Request) (*http.Response, error) {
	start := time.Now()
	finish := c.calls.track(r)
	resp, err := c.base.RoundTrip(r)
	finish()
	status := "error"
	if err == nil {
		status = strconv.Itoa(resp.StatusCode)
	}
	ctx := r.Context()
	attrs := labels("endpoint", Endpoint(r), "status", status)
	c.inst.chatincRequests.Add(ctx, 1, attrs)
	c.inst.chatincDuration.Record(ctx, time.Since(start).Seconds(), attrs)
	return resp, err
}

// inMemoryBody hands net/http the request's own in-memory body again
// (GetBody) instead of otelhttp's wrapper around it: net/http writes a
// known in-memory body together with the headers, one write instead of two
// (a flush of the headers, then the body) for every Chat Inc call.
func inMemoryBody(r *http.Request) *http.Request {
	if r.GetBody == nil || r.ContentLength <= 0 || r.Body == nil || r.Body == http.NoBody {
		return r
	}
	b, err := r.GetBody()
	if err != nil {
		return r
	}
	_ = r.Body.Close() // the wrapper, unread: the transport owns and closes the body it is given
	r2 := *r
	r2.Body = b
	return &r2
}
