package results

import (
	"context"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// w3c reads and writes the W3C traceparent header. It is stateless and not a
// global: the poller needs nothing from the process's telemetry to keep a
// run's trace across replicas and restarts.
var w3c propagation.TraceContext

// TraceParent is the W3C traceparent of ctx's span ("" when ctx has none),
// the value Schedule stores in RunInfo.TraceParent.
func TraceParent(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ""
	}
	c := propagation.MapCarrier{}
	w3c.Inject(ctx, c)
	return c.Get("traceparent")
}

// inRunTrace returns ctx continuing the trace that started run (its
// persisted TraceParent) as a remote parent, so what is published with it
// (and a publisher's header injector) joins that trace; ctx is returned
// as it is when the run has no valid traceparent.
func inRunTrace(ctx context.Context, run RunInfo) context.Context {
	if run.TraceParent == "" {
		return ctx
	}
	sc := trace.SpanContextFromContext(w3c.Extract(context.Background(), propagation.MapCarrier{"traceparent": run.TraceParent}))
	if !sc.IsValid() {
		return ctx
	}
	return trace.ContextWithRemoteSpanContext(ctx, sc)
}
