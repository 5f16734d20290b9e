package telemetry_test

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/telemetry"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

// TestOneTraceFromUpstreamThroughChatIncToPublishedReport: an
// audience-file-uploaded event carrying an upstream traceparent is handled
// in a span continuing that trace; the Chat Inc requests made by the
// handler are its children, and the ingest report published on the results
// stream carries a traceparent of the same trace whose parent is the
// handler's span.
func TestOneTraceFromUpstreamThroughChatIncToPublishedReport(t *testing.T) {
	tel, rec := newTelemetry(t)
	e := newEnv(t, tel, "test-key", slog.LevelInfo)
	reports := e.collect(e.cfg.Names.Prefix + ".results.ingest.>")
	csv := "number,first_name\n+27 82 000 0001,Ann\n082 000 0002,Ben\nbad,Cat\n"
	path := filepath.Join(e.dir, "list.csv")
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	const (
		upTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
		upSpan  = "00f067aa0ba902b7"
	)
	e.publish("audience-file-uploaded", "file-trace-1", map[string]any{
		"audience": map[string]string{"id": "from-file", "name": "from file"}, "source": map[string]string{"file": path},
		"variable_group": map[string]string{"id": "customers", "name": "customers"},
	}, nats.Header{"traceparent": {fmt.Sprintf("00-%s-%s-01", upTrace, upSpan)}, "tracestate": {"up=1"}})

	name := telemetry.SpanName("audience-file-uploaded")
	pipelinetest.Eventually(t, 15*time.Second, func() (bool, string) {
		return len(reports()) == 1 && len(spansNamed(rec, name)) == 1,
			fmt.Sprintf("%d reports, %d %q spans", len(reports()), len(spansNamed(rec, name)), name)
	})
	handle := spansNamed(rec, name)[0]
	if got := handle.SpanContext().TraceID().String(); got != upTrace {
		t.Fatalf("event span trace id %s, want the upstream %s", got, upTrace)
	}
	if p := handle.Parent(); !p.IsRemote() || p.SpanID().String() != upSpan {
		t.Fatalf("event span parent %v, want the upstream span %s (remote)", p, upSpan)
	}
	if handle.SpanKind() != trace.SpanKindConsumer {
		t.Fatalf("event span kind %s, want consumer", handle.SpanKind())
	}
	wantAttrs := map[string]string{"campaignflow.event.id": "file-trace-1", "campaignflow.event.type": "audience-file-uploaded",
		"campaignflow.event.delivery_count": "1", "messaging.destination.name": e.cfg.Names.EventSubject("audience-file-uploaded"),
		"campaignflow.result": "ok"}
	checkAttrs(t, handle, wantAttrs)

	calls := spansPrefixed(rec, "chatinc POST /v1/create/")
	if len(calls) == 0 {
		t.Fatalf("no Chat Inc request spans; spans: %v", names(rec.Ended()))
	}
	for _, c := range calls {
		if c.SpanContext().TraceID().String() != upTrace || c.Parent().SpanID() != handle.SpanContext().SpanID() {
			t.Fatalf("Chat Inc span %q is in trace %s under %s, want trace %s under the event span %s",
				c.Name(), c.SpanContext().TraceID(), c.Parent().SpanID(), upTrace, handle.SpanContext().SpanID())
		}
		if c.SpanKind() != trace.SpanKindClient {
			t.Fatalf("Chat Inc span %q kind %s, want client", c.Name(), c.SpanKind())
		}
	}
	if len(spansNamed(rec, "chatinc POST /v1/create/audience")) == 0 {
		t.Fatalf("no span for /v1/create/audience; spans: %v", names(rec.Ended()))
	}

	report := reports()[0]
	got := trace.SpanContextFromContext(tel.ExtractHeaders(t.Context(), report.Header))
	if got.TraceID().String() != upTrace || got.SpanID() != handle.SpanContext().SpanID() {
		t.Fatalf("report traceparent %q: want trace %s, parent the event span %s", report.Header.Get("traceparent"), upTrace, handle.SpanContext().SpanID())
	}
	if got.TraceState().Get("up") != "1" {
		t.Fatalf("report tracestate %q lost the upstream's up=1", report.Header.Get("tracestate"))
	}
}

// TestEventWithoutTraceparentStartsATrace: the worker's own trace when no
// upstream sent one, still reaching the published report.
func TestEventWithoutTraceparentStartsATrace(t *testing.T) {
	tel, rec := newTelemetry(t)
	e := newEnv(t, tel, "test-key", slog.LevelInfo)
	reports := e.collect(e.cfg.Names.Prefix + ".results.ingest.>")
	// A rejected row, so that the event has a report at the default
	// results.ingest_reports.
	e.publish("customer-segment-updated", "seg-root-1", segment("vip", "+27820000001", "nope"), nil)
	name := telemetry.SpanName("customer-segment-updated")
	pipelinetest.Eventually(t, 15*time.Second, func() (bool, string) {
		return len(reports()) == 1 && len(spansNamed(rec, name)) == 1, fmt.Sprintf("%d reports, spans %v", len(reports()), names(rec.Ended()))
	})
	handle := spansNamed(rec, name)[0]
	if handle.Parent().IsValid() {
		t.Fatalf("event span has parent %v, want a root", handle.Parent())
	}
	got := trace.SpanContextFromContext(tel.ExtractHeaders(t.Context(), reports()[0].Header))
	if got.TraceID() != handle.SpanContext().TraceID() {
		t.Fatalf("report trace %s, want the event's %s", got.TraceID(), handle.SpanContext().TraceID())
	}
}

func checkAttrs(t *testing.T, s sdktrace.ReadOnlySpan, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, a := range s.Attributes() {
		got[string(a.Key)] = a.Value.String()
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("span %q attribute %s = %q, want %q (all: %v)", s.Name(), k, got[k], v, got)
		}
	}
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = s.Name()
	}
	return out
}

// TestPromoTraceReachesTheRunsSnapshot: a send-promo with an upstream
// traceparent; its Chat Inc calls (create campaign, run) are children of
// the event span, and the run's first snapshot, published later by the
// poller, is published in a producer span of the same trace and carries it.
func TestPromoTraceReachesTheRunsSnapshot(t *testing.T) {
	tel, rec := newTelemetry(t)
	e := newEnv(t, tel, "test-key", slog.LevelInfo)
	snapshots := e.collect(e.cfg.Names.Prefix + ".results.campaign.>")
	e.publish("customer-segment-updated", "seg-vip", segment("vip", "+27820000001", "+27820000002"), nil)
	e.settled(15 * time.Second)
	const upTrace = "5bf92f3577b34da6a3ce929d0e0e4737"
	e.publish("send-promo", "promo-trace-1", promo("p-trace", "Traced promo", "vip"),
		nats.Header{"traceparent": {"00-" + upTrace + "-10f067aa0ba902b8-01"}})
	pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) { return len(snapshots()) >= 1, fmt.Sprintf("%d snapshots", len(snapshots())) })

	handle := spansNamed(rec, telemetry.SpanName("send-promo"))
	if len(handle) != 1 || handle[0].SpanContext().TraceID().String() != upTrace {
		t.Fatalf("send-promo spans %v, want one in trace %s", names(handle), upTrace)
	}
	for _, name := range []string{"chatinc POST /v1/create/campaign", "chatinc POST /v1/run/campaign"} {
		found := false
		for _, s := range spansNamed(rec, name) {
			found = found || s.Parent().SpanID() == handle[0].SpanContext().SpanID()
		}
		if !found {
			t.Errorf("no %q span under the send-promo span", name)
		}
	}
	got := trace.SpanContextFromContext(tel.ExtractHeaders(t.Context(), snapshots()[0].Header))
	if got.TraceID().String() != upTrace {
		t.Fatalf("snapshot traceparent %q, want trace %s", snapshots()[0].Header.Get("traceparent"), upTrace)
	}
	pipelinetest.Eventually(t, 5*time.Second, func() (bool, string) {
		for _, s := range spansNamed(rec, "campaignflow.publish campaign_snapshot") {
			if s.SpanContext().SpanID() == got.SpanID() && s.Parent().SpanID() == handle[0].SpanContext().SpanID() {
				return true, ""
			}
		}
		return false, fmt.Sprintf("no publish span %s under the event span; spans %v", got.SpanID(), names(rec.Ended()))
	})
}
