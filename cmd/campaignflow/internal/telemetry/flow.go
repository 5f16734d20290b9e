package telemetry

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// FlowState is one Chat Inc endpoint class's pacing: its current limit in
// calls per second (0: none) and its calls in flight.
type FlowState struct {
	Class    string
	Limit    float64
	InFlight int
}

// ObserveFlow reports the Chat Inc client's current limit and calls in
// flight per endpoint class as gauges, asking state at each collection.
// Call the returned func to stop.
func (t *Telemetry) ObserveFlow(state func() []FlowState) (stop func() error, err error) {
	reg, err := t.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		for _, s := range state() {
			attrs := metric.WithAttributes(attribute.String("class", s.Class))
			o.ObserveFloat64(t.inst.flowLimit, s.Limit, attrs)
			o.ObserveInt64(t.inst.flowInFlight, int64(s.InFlight), attrs)
		}
		return nil
	}, t.inst.flowLimit, t.inst.flowInFlight)
	if err != nil {
		return nil, fmt.Errorf("telemetry: observing the Chat Inc flow control: %w", err)
	}
	return reg.Unregister, nil
}
