// Package telemetry gives campaignflow its traces, metrics and log
// correlation with OpenTelemetry.
//
// Setup builds a TracerProvider and a MeterProvider from the standard OTEL_*
// environment (OTEL_TRACES_EXPORTER, OTEL_METRICS_EXPORTER, OTEL_EXPORTER_OTLP_*,
// OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES): with the exporters unset or
// "none" nothing is exported and spans are not recorded. A Prometheus
// exporter on a private registry is always present (MetricsHandler, served
// at /metrics).
//
// Trace context travels in NATS headers (W3C traceparent/tracestate, see
// HeaderCarrier): Middleware continues an upstream trace for each event and
// opens the span "campaignflow.handle <type>"; Transport makes every Chat Inc
// request a child span; InjectHeaders (a sinks.WithHeaderInjector) puts the
// context on every published result. A run's traceparent is persisted with
// its poll plan (results.RunInfo.TraceParent), so the snapshots and contact
// outcomes polled later — on any replica, after restarts — are published in
// the trace of the event that started the run (CountResults adds the
// producer spans).
//
// Metrics (instruments.go lists the names): Transport counts and times every
// Chat Inc try (campaignflow_chatinc_requests_total,
// campaignflow_chatinc_request_duration_seconds); ObserveRetry, passed to
// chatinc.WithRetryObserver, counts the retries the client schedules
// (campaignflow_chatinc_retries_total{endpoint}). NewLogHandler adds event_id,
// event_type, trace_id and span_id to every log line written with the
// handler's context.
//
// Nothing here sets OpenTelemetry globals: providers are passed explicitly.
package telemetry
