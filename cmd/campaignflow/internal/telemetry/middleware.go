package telemetry

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/campaignflow/campaignflow/pipeline"
)

// Span attribute keys set on each event's span.
const (
	AttrEventID       = attribute.Key("campaignflow.event.id")
	AttrEventType     = attribute.Key("campaignflow.event.type")
	AttrDeliveryCount = attribute.Key("campaignflow.event.delivery_count")
	AttrStreamSeq     = attribute.Key("campaignflow.event.stream_seq")
)

// SpanName is the name of the span of one event of type typ.
func SpanName(typ string) string { return "campaignflow.handle " + typ }

// Middleware continues the trace in the event's NATS headers (or starts
// one), opens the consumer span "campaignflow.handle <type>" around the
// handler, marks the context with the event (for logs) and records the
// handler's duration and result. Put it outermost, so a recovered panic is
// inside the span.
func (t *Telemetry) Middleware() pipeline.Middleware {
	return func(next pipeline.Handler) pipeline.Handler {
		return func(ctx context.Context, m *pipeline.Message) (err error) {
			ctx = t.ExtractHeaders(ctx, m.Header)
			ctx = WithEvent(ctx, m.ID, m.Type)
			ctx, span := t.tracer.Start(ctx, SpanName(m.Type), trace.WithSpanKind(trace.SpanKindConsumer))
			if span.IsRecording() { // an unsampled span drops them: not built for every event
				span.SetAttributes(
					attribute.String("messaging.system", "nats"),
					attribute.String("messaging.operation.type", "process"),
					attribute.String("messaging.destination.name", m.Subject),
					attribute.String("messaging.message.id", m.ID),
					AttrEventID.String(m.ID), AttrEventType.String(m.Type),
					AttrDeliveryCount.Int64(int64(m.Delivered)), AttrStreamSeq.Int64(int64(m.StreamSeq)))
			}
			if sc := span.SpanContext(); sc.HasTraceID() {
				m.TraceID = sc.TraceID().String()
			}
			start := time.Now()
			defer func() {
				result := "ok"
				if err != nil {
					result = pipeline.ClassOf(err).String()
					span.RecordError(err)
					span.SetStatus(codes.Error, result)
				}
				if span.IsRecording() {
					span.SetAttributes(attribute.String("campaignflow.result", result))
				}
				t.inst.handleDuration.Record(ctx, time.Since(start).Seconds(), labels("event_type", t.inst.eventTypes.label(m.Type), "result", result))
				span.End()
			}()
			return next(ctx, m)
		}
	}
}
