package telemetry_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/trace"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/telemetry"
	"github.com/campaignflow/campaignflow/sources/natstest"
)

// TestTraceContextRoundTripsOverNATSHeaders injects a span's context into
// NATS headers, sends the message through a real nats-server and extracts
// the same trace id, parent span id, flags and tracestate on the other side.
func TestTraceContextRoundTripsOverNATSHeaders(t *testing.T) {
	tel, _ := newTelemetry(t)
	_, url := natstest.RunJetStream(t)
	nc := natstest.Connect(t, url)
	sub, err := nc.SubscribeSync("tc.test")
	if err != nil {
		t.Fatal(err)
	}
	ts, err := trace.ParseTraceState("vendor=abc,other=1")
	if err != nil {
		t.Fatal(err)
	}
	parent := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{0xa1, 2, 3}, SpanID: trace.SpanID{0xb2, 1},
		TraceFlags: trace.FlagsSampled, TraceState: ts, Remote: true})
	ctx, span := tel.Tracer().Start(trace.ContextWithRemoteSpanContext(context.Background(), parent), "send")
	defer span.End()

	hdr := nats.Header{}
	tel.InjectHeaders(ctx, hdr)
	if err := nc.PublishMsg(&nats.Msg{Subject: "tc.test", Header: hdr, Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	msg, err := sub.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Header.Get("traceparent"); got == "" {
		t.Fatalf("no traceparent header arrived: %v", msg.Header)
	}
	got := trace.SpanContextFromContext(tel.ExtractHeaders(context.Background(), msg.Header))
	sent := span.SpanContext()
	switch {
	case !got.IsValid() || !got.IsRemote():
		t.Fatalf("extracted span context %v is not a valid remote one", got)
	case got.TraceID() != parent.TraceID():
		t.Fatalf("trace id %s, want the upstream %s", got.TraceID(), parent.TraceID())
	case got.SpanID() != sent.SpanID():
		t.Fatalf("parent span id %s, want the sender's span %s", got.SpanID(), sent.SpanID())
	case !got.IsSampled():
		t.Fatal("sampled flag lost")
	case got.TraceState().Get("vendor") != "abc" || got.TraceState().Get("other") != "1":
		t.Fatalf("tracestate %q, want vendor=abc,other=1", got.TraceState().String())
	}
}

func TestHeaderCarrier(t *testing.T) {
	const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	tests := []struct {
		name    string
		hdr     nats.Header
		wantTID string
	}{
		{"lower case", nats.Header{"traceparent": {tp}}, "0af7651916cd43dd8448eb211c80319c"},
		{"canonical case", nats.Header{"Traceparent": {tp}}, "0af7651916cd43dd8448eb211c80319c"},
		{"none", nats.Header{"Nats-Msg-Id": {"x"}}, ""},
		{"nil", nil, ""},
		{"garbage", nats.Header{"traceparent": {"00-zz-yy-01"}}, ""},
		{"all-zero trace id", nats.Header{"traceparent": {"00-00000000000000000000000000000000-b7ad6b7169203331-01"}}, ""},
	}
	tel, _ := newTelemetry(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := trace.SpanContextFromContext(tel.ExtractHeaders(context.Background(), tt.hdr))
			got := ""
			if sc.IsValid() {
				got = sc.TraceID().String()
			}
			if got != tt.wantTID {
				t.Fatalf("trace id %q, want %q", got, tt.wantTID)
			}
		})
	}
	t.Run("set replaces another spelling", func(t *testing.T) {
		c := telemetry.HeaderCarrier(nats.Header{"Traceparent": {"old"}})
		c.Set("traceparent", tp)
		if len(c) != 1 || c.Get("traceparent") != tp {
			t.Fatalf("header = %v, want only traceparent=%s", nats.Header(c), tp)
		}
	})
}

// FuzzExtractHeaders: any traceparent/tracestate text extracts without
// panicking, and a valid result keeps the trace id written in the header.
func FuzzExtractHeaders(f *testing.F) {
	f.Add("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "a=b")
	f.Add("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "")
	f.Add("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", ",,=")
	f.Add("", "")
	tel, err := telemetry.Setup(context.Background(), telemetry.WithGetenv(func(string) string { return "" }))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	f.Fuzz(func(t *testing.T, tp, ts string) {
		sc := trace.SpanContextFromContext(tel.ExtractHeaders(context.Background(), nats.Header{"traceparent": {tp}, "tracestate": {ts}}))
		if sc.IsValid() && (len(tp) < 35 || tp[3:35] != sc.TraceID().String()) {
			t.Fatalf("traceparent %q gave trace id %s", tp, sc.TraceID())
		}
	})
}
