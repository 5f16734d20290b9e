package telemetry

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// ObserveTick records one scheduler tick of job: the time from its slot
// (scheduled) to the end of its run (finished), and whether it ran.
// Wire it with scheduler.WithObserver.
func (t *Telemetry) ObserveTick(job string, scheduled, finished time.Time, ok bool) {
	result := "ok"
	if !ok {
		result = "error"
	}
	late := max(finished.Sub(scheduled), 0)
	t.inst.lateness.Record(context.Background(), late.Seconds(), metric.WithAttributes(
		attribute.String("job", labelValue(job)), attribute.String("result", result)))
}
