package telemetry

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// ConsumerState is how many messages a durable consumer has not yet
// delivered (Pending) and delivered but not yet acknowledged (AckPending).
type ConsumerState struct {
	Pending    uint64
	AckPending uint64
}

// ObserveConsumer reports stream/consumer's pending and ack-pending counts
// as gauges, asking state at each collection (each /metrics scrape or
// OTLP export) with a 2s deadline; a failed ask reports nothing. Call the
// returned func to stop (before the NATS connection closes).
func (t *Telemetry) ObserveConsumer(stream, consumer string, state func(context.Context) (ConsumerState, error)) (stop func() error, err error) {
	attrs := metric.WithAttributes(attribute.String("stream", stream), attribute.String("consumer", consumer))
	reg, err := t.meter.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		st, err := state(ctx)
		if err != nil {
			t.log.Debug("telemetry: consumer state unavailable", "stream", stream, "consumer", consumer, "err", err)
			return nil
		}
		o.ObserveInt64(t.inst.pending, int64(st.Pending), attrs)
		o.ObserveInt64(t.inst.ackPending, int64(st.AckPending), attrs)
		return nil
	}, t.inst.pending, t.inst.ackPending)
	if err != nil {
		return nil, fmt.Errorf("telemetry: observing consumer %s/%s: %w", stream, consumer, err)
	}
	return reg.Unregister, nil
}
