package results

import (
	"context"
	"testing"

	"github.com/jonboulle/clockwork"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/campaignflow/campaignflow/sinks"
	"github.com/campaignflow/campaignflow/sources"
)

// headerCarrier lets the W3C propagator write NATS headers as they are
// (nats.Header is case-sensitive; http.Header would canonicalise the key).
type headerCarrier nats.Header

func (c headerCarrier) Get(k string) string {
	if v := c[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}
func (c headerCarrier) Set(k, v string) { c[k] = []string{v} }
func (c headerCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// tracingPublisher is the real sinks.Publisher writing ctx's trace context
// into every message, as the worker's does with telemetry on.
func tracingPublisher(js jetstream.JetStream) *sinks.Publisher {
	return sinks.NewPublisher(js, sources.DefaultNames(), sinks.WithHeaderInjector(func(ctx context.Context, hdr nats.Header) {
		propagation.TraceContext{}.Inject(ctx, headerCarrier(hdr))
	}))
}

// headers returns the headers of every message on subject in the results stream.
func (e *env) headers(t *testing.T, subject string) []nats.Header {
	t.Helper()
	var out []nats.Header
	for _, m := range e.stored(t, subject) {
		out = append(out, m.Headers())
	}
	return out
}

// TestNewPollerPublishesInTheRunsTrace: a run is scheduled by one poller
// (its traceparent given, or taken from the scheduling ctx's span, or
// absent); a new poller instance on its own connection — another replica,
// or the worker after a restart, with nothing in memory — runs the first
// poll, and the snapshot and contact outcomes it publishes carry the run's
// trace id (and no trace context when the run had none).
func TestNewPollerPublishesInTheRunsTrace(t *testing.T) {
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	tid, _ := trace.TraceIDFromHex(traceID)
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	spanCtx := trace.ContextWithSpanContext(context.Background(),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
	tests := []struct {
		name        string
		ctx         context.Context
		traceParent string
		wantTrace   string // "" = no trace context on the messages
	}{
		{name: "traceparent in RunInfo", ctx: context.Background(), traceParent: "00-" + traceID + "-00f067aa0ba902b7-01", wantTrace: traceID},
		{name: "traceparent from the scheduling span", ctx: spanCtx, wantTrace: traceID},
		{name: "no trace", ctx: context.Background()},
		{name: "malformed traceparent is ignored", ctx: context.Background(), traceParent: "00-zz-bad-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := clockwork.NewFakeClockAt(t0)
			e := newEnv(t, 12, fc)
			p1, err := NewPoller(e.js, jobsBucket, e.client, tracingPublisher(e.js), WithClock(fc), WithOffsets(testOffsets...))
			if err != nil {
				t.Fatal(err)
			}
			run := e.run
			run.TraceParent = tt.traceParent
			if err := p1.Schedule(tt.ctx, run); err != nil {
				t.Fatal(err)
			}

			_, js2 := connect(t, e.url)
			p2, err := NewPoller(js2, jobsBucket, e.client, tracingPublisher(js2), WithClock(fc), WithOffsets(testOffsets...))
			if err != nil {
				t.Fatal(err)
			}
			plans, err := p2.Plans(context.Background())
			if err != nil || len(plans) != 1 {
				t.Fatalf("new poller sees plans %+v (%v), want one", plans, err)
			}
			if tt.wantTrace != "" && plans[0].Run.TraceParent == "" {
				t.Fatalf("persisted plan has no traceparent: %+v", plans[0].Run)
			}
			advanceTo(fc, e.run, testOffsets[0])
			if n := p2.RunDue(context.Background()); n != 1 {
				t.Fatalf("new poller ran %d polls, want 1", n)
			}

			snaps := e.headers(t, "chatinc.results.campaign."+e.run.CampaignID)
			outcomes := e.headers(t, "chatinc.results.contacts."+e.run.CampaignID)
			if len(snaps) != 1 || len(outcomes) == 0 {
				t.Fatalf("%d snapshots and %d contact outcome batches, want 1 and some", len(snaps), len(outcomes))
			}
			for i, hdr := range append(snaps, outcomes...) {
				sc := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), headerCarrier(hdr)))
				got := ""
				if sc.IsValid() {
					got = sc.TraceID().String()
				}
				if got != tt.wantTrace {
					t.Errorf("message %d: traceparent %q carries trace %q, want %q", i, hdr.Get("traceparent"), got, tt.wantTrace)
				}
			}
		})
	}
}

func TestTraceParentOfContext(t *testing.T) {
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	tests := []struct {
		name  string
		flags trace.TraceFlags
		want  string
	}{
		{"sampled", trace.FlagsSampled, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
		{"not sampled keeps the ids", 0, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: tt.flags}))
			if got := TraceParent(ctx); got != tt.want {
				t.Fatalf("TraceParent = %q, want %q", got, tt.want)
			}
		})
	}
	if got := TraceParent(context.Background()); got != "" {
		t.Fatalf("TraceParent without a span = %q, want empty", got)
	}
}
