package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/telemetry"
)

func TestLogHandlerAddsEventAndTraceFromContext(t *testing.T) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{0xab}, SpanID: trace.SpanID{0xcd}, TraceFlags: trace.FlagsSampled})
	inSpan := trace.ContextWithSpanContext(context.Background(), sc)
	evCtx := telemetry.WithEvent(inSpan, "evt-1", "send-promo")
	tests := []struct {
		name  string
		ctx   context.Context
		log   func(*slog.Logger, context.Context)
		want  map[string]any
		count map[string]int // occurrences of "key": in the line
	}{
		{"event and span", evCtx, func(l *slog.Logger, ctx context.Context) { l.InfoContext(ctx, "x") },
			map[string]any{"event_id": "evt-1", "event_type": "send-promo", "trace_id": sc.TraceID().String(), "span_id": sc.SpanID().String()}, nil},
		{"span only", inSpan, func(l *slog.Logger, ctx context.Context) { l.InfoContext(ctx, "x") },
			map[string]any{"trace_id": sc.TraceID().String(), "event_id": nil}, nil},
		{"nothing", context.Background(), func(l *slog.Logger, ctx context.Context) { l.InfoContext(ctx, "x") },
			map[string]any{"trace_id": nil, "event_id": nil}, nil},
		{"keys already there are not doubled", evCtx, func(l *slog.Logger, ctx context.Context) {
			l.InfoContext(ctx, "x", "event_id", "evt-1", "type", "send-promo")
		}, map[string]any{"trace_id": sc.TraceID().String(), "event_type": nil}, map[string]int{`"event_id":`: 1}},
		{"inside a group and With", evCtx, func(l *slog.Logger, ctx context.Context) {
			l.With("worker", "w1").WithGroup("g").InfoContext(ctx, "x", "k", "v")
		}, map[string]any{"worker": "w1"}, map[string]int{`"trace_id":`: 1, `"event_id":`: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := slog.New(telemetry.NewLogHandler(slog.NewJSONHandler(&buf, nil)))
			tt.log(l, tt.ctx)
			var got map[string]any
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatalf("%v: %s", err, buf.String())
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v in %s", k, got[k], v, buf.String())
				}
			}
			for k, n := range tt.count {
				if c := strings.Count(buf.String(), k); c != n {
					t.Errorf("%s appears %d times, want %d: %s", k, c, n, buf.String())
				}
			}
		})
	}
}

func TestLogHandlerKeepsTheLevel(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(telemetry.NewLogHandler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	l.DebugContext(telemetry.WithEvent(context.Background(), "e", "t"), "hidden")
	if buf.Len() != 0 {
		t.Fatalf("a debug line passed an info handler: %s", buf.String())
	}
}
