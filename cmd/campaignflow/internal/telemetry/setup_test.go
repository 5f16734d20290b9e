package telemetry_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/telemetry"
)

// TestWithoutExportersSpansAreNotRecordedButIDsFlow: with OTEL_*_EXPORTER
// unset or "none" and no processor, a root span records nothing yet has a
// trace id (for logs and traceparent); an upstream sampled parent is
// honoured (recorded, flag kept), an unsampled one keeps its trace id.
func TestWithoutExportersSpansAreNotRecordedButIDsFlow(t *testing.T) {
	for _, v := range []string{"", "none", " NONE "} {
		t.Run("exporter="+v, func(t *testing.T) {
			t.Setenv("OTEL_TRACES_EXPORTER", v)
			t.Setenv("OTEL_METRICS_EXPORTER", v)
			tel, err := telemetry.Setup(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer tel.Shutdown(context.Background())
			_, root := tel.Tracer().Start(context.Background(), "root")
			defer root.End()
			if root.IsRecording() || !root.SpanContext().IsValid() {
				t.Fatalf("root span: recording %v, valid %v; want not recording, valid", root.IsRecording(), root.SpanContext().IsValid())
			}
			for _, sampled := range []bool{true, false} {
				flags := trace.TraceFlags(0)
				if sampled {
					flags = trace.FlagsSampled
				}
				up := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{9}, SpanID: trace.SpanID{8}, TraceFlags: flags, Remote: true})
				_, s := tel.Tracer().Start(trace.ContextWithRemoteSpanContext(context.Background(), up), "child")
				if s.SpanContext().TraceID() != up.TraceID() || s.SpanContext().IsSampled() != sampled {
					t.Errorf("upstream sampled=%v: child trace %s sampled %v", sampled, s.SpanContext().TraceID(), s.SpanContext().IsSampled())
				}
				s.End()
			}
		})
	}
}

func TestSetupRejectsAnUnknownExporterNamingTheVariable(t *testing.T) {
	t.Setenv("OTEL_TRACES_EXPORTER", "carrier-pigeon")
	_, err := telemetry.Setup(context.Background())
	if err == nil || !strings.Contains(err.Error(), "OTEL_TRACES_EXPORTER") || !strings.HasPrefix(err.Error(), "telemetry: ") {
		t.Fatalf("err = %v, want a telemetry: error naming OTEL_TRACES_EXPORTER", err)
	}
}

func TestShutdownTwiceIsHarmless(t *testing.T) {
	tel, err := telemetry.Setup(context.Background(), telemetry.WithGetenv(func(string) string { return "" }))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := tel.Shutdown(context.Background()); err != nil {
			t.Fatalf("shutdown %d: %v", i+1, err)
		}
	}
}

func TestObserveTickRecordsLatenessByJob(t *testing.T) {
	tel, _ := newTelemetry(t)
	slot := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	tel.ObserveTick("promo:p-1", slot, slot.Add(1500*time.Millisecond), true)
	tel.ObserveTick("promo:p-1", slot, slot.Add(2*time.Second), false)
	tel.ObserveTick("bad job/with slash", slot, slot.Add(time.Second), true)
	fams := scrape(t, tel)
	for _, tt := range []struct {
		labels map[string]string
		count  float64
	}{
		{map[string]string{"job": "promo:p-1", "result": "ok"}, 1},
		{map[string]string{"job": "promo:p-1", "result": "error"}, 1},
		{map[string]string{"job": "invalid", "result": "ok"}, 1},
	} {
		if got, ok := value(fams, "campaignflow_scheduler_lateness_seconds", tt.labels); !ok || got != tt.count {
			t.Errorf("campaignflow_scheduler_lateness_seconds%v count = %v (present %v), want %v", tt.labels, got, ok, tt.count)
		}
	}
	for _, m := range fams["campaignflow_scheduler_lateness_seconds"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetValue() == "ok" && m.GetHistogram().GetSampleSum() == 1.5 {
				return
			}
		}
	}
	t.Error("no series with the 1.5s lateness of the first tick")
}

// TestShutdownFlushesBatchedSpans: spans batched for an exporter reach it
// when Shutdown returns.
func TestShutdownFlushesBatchedSpans(t *testing.T) {
	exp := keepingExporter{tracetest.NewInMemoryExporter()}
	tel, err := telemetry.Setup(context.Background(), telemetry.WithSpanExporter(exp), telemetry.WithGetenv(func(string) string { return "" }))
	if err != nil {
		t.Fatal(err)
	}
	_, s := tel.Tracer().Start(context.Background(), "work")
	s.End()
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := exp.GetSpans(); len(got) != 1 || got[0].Name != "work" {
		t.Fatalf("exported %v, want the one span", got)
	}
}

// keepingExporter keeps its spans after Shutdown (InMemoryExporter drops them).
type keepingExporter struct{ *tracetest.InMemoryExporter }

func (keepingExporter) Shutdown(context.Context) error { return nil }
