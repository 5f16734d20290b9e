package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of campaignflow's tracer and meter.
const ScopeName = "github.com/campaignflow/campaignflow"

// Telemetry holds the providers, the instruments and the Prometheus
// registry of one process. Its methods are safe for concurrent use.
type Telemetry struct {
	tp         *sdktrace.TracerProvider
	mp         *sdkmetric.MeterProvider
	reg        *prometheus.Registry
	tracer     trace.Tracer
	meter      metric.Meter
	prop       propagation.TextMapPropagator
	inst       *instruments
	calls      *callTracker
	log        *slog.Logger
	exporting  exporting
	shutdownMu sync.Mutex
	shutdown   bool
}

// exporting says which OTLP/console exporters Setup found in the environment.
type exporting struct{ traces, metrics string }

// Setup builds the providers from the OTEL_* environment and the options.
// With OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER unset or "none" nothing
// is exported (spans are only recorded when an upstream parent asked for
// sampling, and then dropped); the Prometheus exporter is always present.
// Call Shutdown to flush and stop.
func Setup(ctx context.Context, opts ...Option) (*Telemetry, error) {
	o := defaultOptions()
	for _, f := range opts {
		f(&o)
	}
	res, err := newResource(ctx, o)
	if err != nil {
		return nil, err
	}
	t := &Telemetry{reg: prometheus.NewRegistry(), log: o.log,
		prop: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})}

	// Attribute values (error messages built from events included) are cut
	// to 4 KB unless OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT says otherwise.
	limits := sdktrace.NewSpanLimits()
	if limits.AttributeValueLengthLimit < 0 {
		limits.AttributeValueLengthLimit = 4096
	}
	tpOpts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res), sdktrace.WithRawSpanLimits(limits)}
	recording := len(o.spanProcessors)+len(o.spanExporters) > 0
	for _, sp := range o.spanProcessors {
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(sp))
	}
	for _, exp := range o.spanExporters {
		tpOpts = append(tpOpts, sdktrace.WithBatcher(exp))
	}
	if name, on := exporterFromEnv(o.getenv, "OTEL_TRACES_EXPORTER"); on {
		exp, err := newSpanExporter(ctx)
		if err != nil {
			return nil, fmt.Errorf("telemetry: OTEL_TRACES_EXPORTER=%q: %w (set it to otlp, console or none; see OTEL_EXPORTER_OTLP_ENDPOINT)", name, err)
		}
		tpOpts = append(tpOpts, sdktrace.WithBatcher(exp))
		t.exporting.traces = name
		recording = true
	}
	if !recording {
		// Nothing would see the spans: keep trace ids for logs and
		// propagation, record only what an upstream parent sampled.
		tpOpts = append(tpOpts, sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample())))
	}
	t.tp = sdktrace.NewTracerProvider(tpOpts...)

	prom, err := newPrometheusReader(t.reg)
	if err != nil {
		_ = t.tp.Shutdown(ctx)
		return nil, err
	}
	mpOpts := []sdkmetric.Option{sdkmetric.WithResource(res), sdkmetric.WithReader(prom), sdkmetric.WithCardinalityLimit(o.cardinalityLimit)}
	if name, on := exporterFromEnv(o.getenv, "OTEL_METRICS_EXPORTER"); on {
		r, err := newMetricReader(ctx)
		if err != nil {
			_ = t.tp.Shutdown(ctx)
			return nil, fmt.Errorf("telemetry: OTEL_METRICS_EXPORTER=%q: %w (set it to otlp, console, prometheus or none)", name, err)
		}
		mpOpts = append(mpOpts, sdkmetric.WithReader(r))
		t.exporting.metrics = name
	}
	t.mp = sdkmetric.NewMeterProvider(mpOpts...)
	t.tracer = t.tp.Tracer(ScopeName)
	t.meter = t.mp.Meter(ScopeName)
	if t.inst, err = newInstruments(t.meter); err != nil {
		_ = t.Shutdown(ctx)
		return nil, err
	}
	t.calls = &callTracker{after: o.slowCallAfter, log: t.log}
	if _, err := t.meter.RegisterCallback(func(ctx context.Context, ob metric.Observer) error {
		t.calls.observe(ctx, ob, t.inst.callsInFlight, t.inst.callsSlow)
		return nil
	}, t.inst.callsInFlight, t.inst.callsSlow); err != nil {
		_ = t.Shutdown(ctx)
		return nil, fmt.Errorf("telemetry: observing Chat Inc calls: %w", err)
	}
	t.log.Info("telemetry ready", "traces_exporter", orNone(t.exporting.traces), "metrics_exporter", orNone(t.exporting.metrics),
		"prometheus", "/metrics")
	return t, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// TracerProvider is the provider of campaignflow's spans.
func (t *Telemetry) TracerProvider() trace.TracerProvider { return t.tp }

// MeterProvider is the provider of campaignflow's metrics.
func (t *Telemetry) MeterProvider() metric.MeterProvider { return t.mp }

// Tracer is campaignflow's tracer.
func (t *Telemetry) Tracer() trace.Tracer { return t.tracer }

// MetricsHandler serves the metrics in the Prometheus text format (mount it
// at /metrics).
func (t *Telemetry) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(t.reg, promhttp.HandlerOpts{Registry: t.reg})
}

// Shutdown flushes the exporters and stops the providers; later calls do
// nothing.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	t.shutdownMu.Lock()
	defer t.shutdownMu.Unlock()
	if t.shutdown {
		return nil
	}
	t.shutdown = true
	var errs []error
	if err := t.tp.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("telemetry: flushing spans: %w", err))
	}
	if err := t.mp.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("telemetry: flushing metrics: %w", err))
	}
	return errors.Join(errs...)
}
