package telemetry

import (
	"fmt"

	"go.opentelemetry.io/otel/metric"
)

// Metric names as OpenTelemetry instruments; Prometheus shows them with
// dots as underscores, plus _total for counters and _seconds for durations
// (see the README's metrics table).
const (
	MetricEvents            = "campaignflow.events"                     // campaignflow_events_total{event_type,outcome}
	MetricDeadLetters       = "campaignflow.dead_letters"               // campaignflow_dead_letters_total{event_type,class}
	MetricHandleDuration    = "campaignflow.handler.duration"           // campaignflow_handler_duration_seconds{event_type,result}
	MetricChatIncRequests   = "campaignflow.chatinc.requests"           // campaignflow_chatinc_requests_total{endpoint,status}
	MetricChatIncDuration   = "campaignflow.chatinc.request.duration"   // campaignflow_chatinc_request_duration_seconds{endpoint,status}
	MetricChatIncRetries    = "campaignflow.chatinc.retries"            // campaignflow_chatinc_retries_total{endpoint}
	MetricChatIncFlowLimit  = "campaignflow.chatinc.flow.limit"         // campaignflow_chatinc_flow_limit{class}
	MetricChatIncFlowFlight = "campaignflow.chatinc.flow.in_flight"     // campaignflow_chatinc_flow_in_flight{class}
	MetricConsumerPending   = "campaignflow.consumer.pending"           // campaignflow_consumer_pending{stream,consumer}
	MetricConsumerAckPend   = "campaignflow.consumer.ack_pending"       // campaignflow_consumer_ack_pending{stream,consumer}
	MetricSchedulerLateness = "campaignflow.scheduler.lateness"         // campaignflow_scheduler_lateness_seconds{job,result}
	MetricSnapshots         = "campaignflow.snapshots.published"        // campaignflow_snapshots_published_total
	MetricContactOutcomes   = "campaignflow.contact_outcomes.published" // campaignflow_contact_outcomes_published_total
	MetricCSVRows           = "campaignflow.csv.rows"                   // campaignflow_csv_rows_total{event_type,result}
	MetricChatIncInFlight   = "campaignflow.chatinc.calls_in_flight"    // campaignflow_chatinc_calls_in_flight
	MetricChatIncSlow       = "campaignflow.chatinc.calls_slow"         // campaignflow_chatinc_calls_slow
)

// durationBuckets suit calls and handlers: 5ms .. 5min.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}

// latenessBuckets suit scheduler ticks: 10ms .. 1h.
var latenessBuckets = []float64{0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600}

type instruments struct {
	eventTypes      eventTypeSet // the event_type values used, bounded
	events          metric.Int64Counter
	deadLetters     metric.Int64Counter
	handleDuration  metric.Float64Histogram
	chatincRequests metric.Int64Counter
	chatincDuration metric.Float64Histogram
	chatincRetries  metric.Int64Counter
	flowLimit       metric.Float64ObservableGauge
	flowInFlight    metric.Int64ObservableGauge
	pending         metric.Int64ObservableGauge
	ackPending      metric.Int64ObservableGauge
	lateness        metric.Float64Histogram
	snapshots       metric.Int64Counter
	outcomes        metric.Int64Counter
	csvRows         metric.Int64Counter
	callsInFlight   metric.Int64ObservableGauge
	callsSlow       metric.Int64ObservableGauge
}

func newInstruments(m metric.Meter) (*instruments, error) {
	var (
		in   instruments
		errs []error
	)
	counter := func(name, desc string) metric.Int64Counter {
		c, err := m.Int64Counter(name, metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	seconds := func(name, desc string, buckets []float64) metric.Float64Histogram {
		h, err := m.Float64Histogram(name, metric.WithDescription(desc), metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(buckets...))
		errs = append(errs, err)
		return h
	}
	gauge := func(name, desc string) metric.Int64ObservableGauge {
		g, err := m.Int64ObservableGauge(name, metric.WithDescription(desc))
		errs = append(errs, err)
		return g
	}
	in.events = counter(MetricEvents, "Events settled by the runner, by type and outcome (ack, nak, dead_letter).")
	in.deadLetters = counter(MetricDeadLetters, "Events dead-lettered, by type and error class (validation, permanent, decode, exhausted).")
	in.handleDuration = seconds(MetricHandleDuration, "Time an event's handler took, by type and result (ok or the error class).", durationBuckets)
	in.chatincRequests = counter(MetricChatIncRequests, "Chat Inc HTTP requests (every try, retries included), by endpoint and status code (error: no response).")
	in.chatincDuration = seconds(MetricChatIncDuration, "Chat Inc HTTP request latency until the response headers, by endpoint and status.", durationBuckets)
	in.chatincRetries = counter(MetricChatIncRetries, "Chat Inc retries the client scheduled (a failed try followed by a wait and another try), by endpoint.")
	fl, err := m.Float64ObservableGauge(MetricChatIncFlowLimit, metric.WithDescription("Chat Inc flow control's current limit in calls per second, by endpoint class (calls, uploads); 0: no limit."))
	errs = append(errs, err)
	in.flowLimit = fl
	in.flowInFlight = gauge(MetricChatIncFlowFlight, "Chat Inc calls being sent or answered, by endpoint class (calls, uploads), as flow control counts them.")
	in.pending = gauge(MetricConsumerPending, "Events in the stream not yet delivered to the consumer.")
	in.ackPending = gauge(MetricConsumerAckPend, "Events delivered and not yet acknowledged.")
	in.lateness = seconds(MetricSchedulerLateness, "Time from a scheduler tick's slot to the end of its run, by job and result.", latenessBuckets)
	in.snapshots = counter(MetricSnapshots, "Campaign snapshots published to the results stream.")
	in.outcomes = counter(MetricContactOutcomes, "Per-contact outcome rows published to the results stream.")
	in.csvRows = counter(MetricCSVRows, "Ingested contact rows (CSV files and segment events), by event type and result (accepted, rejected).")
	in.callsInFlight = gauge(MetricChatIncInFlight, "Chat Inc HTTP requests in flight (until the response headers).")
	in.callsSlow = gauge(MetricChatIncSlow, "Chat Inc HTTP requests in flight for longer than the slow-call threshold (default 5s); each is also logged as a warning.")
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("telemetry: creating instruments: %w", err)
		}
	}
	return &in, nil
}
