package telemetry

import (
	"context"
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/contrib/exporters/autoexport"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// exporterFromEnv reads an OTEL_*_EXPORTER variable. Unset, empty or "none"
// is off (autoexport would default to otlp when unset: we do not).
func exporterFromEnv(getenv func(string) string, key string) (string, bool) {
	v := strings.TrimSpace(getenv(key))
	if v == "" || strings.EqualFold(v, "none") {
		return "", false
	}
	return v, true
}

func newSpanExporter(ctx context.Context) (sdktrace.SpanExporter, error) {
	return autoexport.NewSpanExporter(ctx)
}

func newMetricReader(ctx context.Context) (metric.Reader, error) {
	return autoexport.NewMetricReader(ctx)
}

func newPrometheusReader(reg *prometheus.Registry) (metric.Reader, error) {
	r, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo())
	if err != nil {
		return nil, fmt.Errorf("telemetry: Prometheus exporter: %w", err)
	}
	return r, nil
}

// newResource is service.name/version plus OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES (which win) and the host.
func newResource(ctx context.Context, o options) (*resource.Resource, error) {
	attrs := []resource.Option{resource.WithAttributes(semconv.ServiceName(o.serviceName))}
	if o.serviceVersion != "" {
		attrs = append(attrs, resource.WithAttributes(semconv.ServiceVersion(o.serviceVersion)))
	}
	attrs = append(attrs, resource.WithFromEnv(), resource.WithHost(), resource.WithTelemetrySDK())
	r, err := resource.New(ctx, attrs...)
	if err != nil {
		return nil, fmt.Errorf("telemetry: resource from OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	return r, nil
}
