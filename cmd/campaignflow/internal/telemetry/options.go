package telemetry

import (
	"log/slog"
	"os"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Option configures Setup.
type Option func(*options)

type options struct {
	log              *slog.Logger
	getenv           func(string) string
	spanProcessors   []sdktrace.SpanProcessor
	spanExporters    []sdktrace.SpanExporter
	serviceName      string
	serviceVersion   string
	cardinalityLimit int
	slowCallAfter    time.Duration
}

func defaultOptions() options {
	return options{log: slog.New(slog.DiscardHandler), getenv: os.Getenv, serviceName: "campaignflow", cardinalityLimit: 2000,
		slowCallAfter: DefaultSlowCallAfter}
}

// WithLogger logs which exporters are on.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithGetenv replaces os.Getenv for deciding whether OTEL_TRACES_EXPORTER and
// OTEL_METRICS_EXPORTER are set (the exporters themselves read the process
// environment).
func WithGetenv(f func(string) string) Option { return func(o *options) { o.getenv = f } }

// WithSpanProcessor adds a span processor (tests: tracetest.NewSpanRecorder()).
func WithSpanProcessor(sp sdktrace.SpanProcessor) Option {
	return func(o *options) { o.spanProcessors = append(o.spanProcessors, sp) }
}

// WithSpanExporter exports spans in batches to exp, besides the environment's.
func WithSpanExporter(exp sdktrace.SpanExporter) Option {
	return func(o *options) { o.spanExporters = append(o.spanExporters, exp) }
}

// WithService sets service.name (default "campaignflow"; OTEL_SERVICE_NAME
// wins) and service.version.
func WithService(name, version string) Option {
	return func(o *options) { o.serviceName, o.serviceVersion = name, version }
}

// WithCardinalityLimit bounds the label sets per metric (default 2000).
func WithCardinalityLimit(n int) Option { return func(o *options) { o.cardinalityLimit = n } }

// WithSlowCallAfter sets how long a Chat Inc request may be in flight before
// it is counted in campaignflow_chatinc_calls_slow and logged as a warning
// (default DefaultSlowCallAfter).
func WithSlowCallAfter(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.slowCallAfter = d
		}
	}
}
