package telemetry

import (
	"context"
	"strings"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/propagation"
)

// HeaderCarrier lets a propagator read and write W3C trace context
// (traceparent, tracestate) and baggage in NATS message headers.
type HeaderCarrier nats.Header

var _ propagation.TextMapCarrier = HeaderCarrier(nil)

// Get returns the first value of key; NATS headers are case-sensitive, so a
// key differing only in case (Traceparent) is found too.
func (c HeaderCarrier) Get(key string) string {
	if v := c[key]; len(v) > 0 {
		return v[0]
	}
	for k, v := range c {
		if len(v) > 0 && strings.EqualFold(k, key) {
			return v[0]
		}
	}
	return ""
}

// Set replaces key's values (removing any spelling of key in another case).
func (c HeaderCarrier) Set(key, value string) {
	for k := range c {
		if k != key && strings.EqualFold(k, key) {
			delete(c, k)
		}
	}
	c[key] = []string{value}
}

// Keys lists the header keys.
func (c HeaderCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// InjectHeaders writes ctx's trace context into hdr; pass it to
// sinks.WithHeaderInjector so every published result carries it.
func (t *Telemetry) InjectHeaders(ctx context.Context, hdr nats.Header) {
	if hdr == nil {
		return
	}
	t.prop.Inject(ctx, HeaderCarrier(hdr))
}

// ExtractHeaders returns ctx with the remote trace context found in hdr
// (ctx unchanged when hdr has none).
func (t *Telemetry) ExtractHeaders(ctx context.Context, hdr nats.Header) context.Context {
	if len(hdr) == 0 {
		return ctx
	}
	return t.prop.Extract(ctx, HeaderCarrier(hdr))
}
