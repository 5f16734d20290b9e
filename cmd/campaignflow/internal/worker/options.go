package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/telemetry"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/sinks"
)

type options struct {
	log              *slog.Logger
	publisherOptions []sinks.PublisherOption
	randomPorts      bool
	middleware       []pipeline.Middleware
	observer         pipeline.RunnerObserver
	telemetry        *telemetry.Telemetry
	closedGrace      time.Duration
	force            context.Context
}

// WithForceStop ends the shutdown's grace period as soon as force is done
// (a second Ctrl-C): in-flight events are cancelled and nak'ed at once,
// for redelivery, instead of being waited for.
func WithForceStop(force context.Context) Option { return func(o *options) { o.force = force } }

// WithClosedGrace is how long a worker whose NATS connection was closed for
// good keeps serving (a failing /healthz) before Run returns an error
// (default 5s).
func WithClosedGrace(d time.Duration) Option { return func(o *options) { o.closedGrace = d } }

// WithTelemetry traces and measures the worker with t: the event span
// middleware (outermost), the Chat Inc transport, trace context on published
// results, and the event, dead-letter, consumer, scheduler, snapshot and CSV
// row metrics. The caller owns t (Setup and Shutdown).
func WithTelemetry(t *telemetry.Telemetry) Option { return func(o *options) { o.telemetry = t } }

// WithMiddleware wraps every handler (telemetry, logging).
func WithMiddleware(mws ...pipeline.Middleware) Option {
	return func(o *options) { o.middleware = append(o.middleware, mws...) }
}

// WithRunnerObserver sees every event's outcome (metrics).
func WithRunnerObserver(obs pipeline.RunnerObserver) Option {
	return func(o *options) { o.observer = obs }
}

// Option configures a Worker.
type Option func(*options)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithRandomPorts makes embedded NATS and the sandbox listen on free ports
// (the demo and tests), instead of 4222 and 8089.
func WithRandomPorts() Option { return func(o *options) { o.randomPorts = true } }

// WithPublisherOptions passes options to the results publisher.
func WithPublisherOptions(opts ...sinks.PublisherOption) Option {
	return func(o *options) { o.publisherOptions = append(o.publisherOptions, opts...) }
}
