package telemetry

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// ObserveRetry counts one retry of the Chat Inc client in
// campaignflow_chatinc_retries_total{endpoint}; pass it to
// chatinc.WithRetryObserver. The client calls it once per retry it
// schedules, so the count is exactly the tries that were repeated.
func (t *Telemetry) ObserveRetry(endpoint string, _ uint, _ time.Duration, _ error) {
	t.inst.chatincRetries.Add(context.Background(), 1,
		metric.WithAttributes(attribute.String("endpoint", endpointLabel(endpoint))))
}
