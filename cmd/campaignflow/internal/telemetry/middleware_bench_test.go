package telemetry_test

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/telemetry"
	"github.com/campaignflow/campaignflow/pipeline"
)

// BenchmarkMiddleware is the cost per event of the telemetry middleware at
// the defaults (no exporter: spans are not sampled), beside the bare
// handler it wraps.
func BenchmarkMiddleware(b *testing.B) {
	tel, err := telemetry.Setup(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	noop := func(context.Context, *pipeline.Message) error { return nil }
	m := &pipeline.Message{ID: "seg-1", Type: "customer-segment-updated", Subject: "chatinc.events.customer-segment-updated",
		Header: nats.Header{"Nats-Msg-Id": []string{"seg-1"}}, Delivered: 1, StreamSeq: 7}
	for _, bc := range []struct {
		name string
		h    pipeline.Handler
	}{{"bare", noop}, {"middleware", tel.Middleware()(noop)}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = bc.h(context.Background(), m)
			}
		})
	}
}
