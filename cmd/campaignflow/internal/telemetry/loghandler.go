package telemetry

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Log attribute keys added by NewLogHandler.
const (
	LogEventID   = "event_id"
	LogEventType = "event_type"
	LogTraceID   = "trace_id"
	LogSpanID    = "span_id"
)

// NewLogHandler wraps h so that every record logged with a context (the
// ...Context methods) about an event carries event_id and event_type (set
// by Middleware) and, inside a span, trace_id and span_id. Keys the record
// already has are not added twice ("type" counts as event_type).
func NewLogHandler(h slog.Handler) slog.Handler { return &logHandler{inner: h} }

type logHandler struct{ inner slog.Handler }

func (h *logHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx == nil {
		return h.inner.Handle(ctx, r)
	}
	ev, hasEvent := eventFrom(ctx)
	sc := trace.SpanContextFromContext(ctx)
	if !hasEvent && !sc.IsValid() {
		return h.inner.Handle(ctx, r)
	}
	has := map[string]bool{}
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case LogEventID, LogEventType, LogTraceID, LogSpanID:
			has[a.Key] = true
		case "type":
			has[LogEventType] = true
		}
		return true
	})
	r = r.Clone()
	add := func(k, v string) {
		if !has[k] && v != "" {
			r.AddAttrs(slog.String(k, v))
		}
	}
	if hasEvent {
		add(LogEventID, ev.ID)
		add(LogEventType, ev.Type)
	}
	if sc.IsValid() {
		add(LogTraceID, sc.TraceID().String())
		add(LogSpanID, sc.SpanID().String())
	}
	return h.inner.Handle(ctx, r)
}

func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &logHandler{inner: h.inner.WithAttrs(as)}
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	return &logHandler{inner: h.inner.WithGroup(name)}
}
