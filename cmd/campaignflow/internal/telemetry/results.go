package telemetry

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/campaignflow/campaignflow/sinks"
)

// ResultsPublisher is what the results poller publishes with
// (results.Publisher, plus Flush so the poller still waits for acks).
type ResultsPublisher interface {
	PublishSnapshot(ctx context.Context, s sinks.CampaignSnapshot) error
	PublishContactOutcomes(ctx context.Context, campaignID, runID string, poll int, rows []sinks.ContactOutcome) error
	Flush(ctx context.Context) error
}

// CountResults wraps p: each snapshot and contact outcome row handed to the
// stream is counted (a re-poll that republishes the same snapshot, which
// the stream de-duplicates, counts again). When ctx carries a trace — the
// results poller publishes in the trace of the event that started the run,
// persisted with the run's poll plan (results.RunInfo.TraceParent) — each
// publish is a producer span "campaignflow.publish <record>" in it, and the
// message carries that trace's context; this holds on any replica and
// after restarts.
func (t *Telemetry) CountResults(p ResultsPublisher) ResultsPublisher { return countedResults{p, t} }

type countedResults struct {
	ResultsPublisher
	t *Telemetry
}

// inRunTrace starts a producer span under ctx's span context when there is
// one; end ends it (a no-op when there was none).
func (t *Telemetry) inRunTrace(ctx context.Context, record, campaignID, runID string, poll int) (context.Context, func(error)) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ctx, func(error) {}
	}
	ctx, span := t.tracer.Start(ctx, "campaignflow.publish "+record,
		trace.WithSpanKind(trace.SpanKindProducer), trace.WithAttributes(
			attribute.String("messaging.system", "nats"), attribute.String("messaging.operation.type", "send"),
			attribute.String("campaignflow.campaign_id", campaignID), attribute.String("campaignflow.run_id", runID),
			attribute.Int("campaignflow.poll", poll)))
	return ctx, func(err error) {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, "publish failed")
		}
		span.End()
	}
}

func (c countedResults) PublishSnapshot(ctx context.Context, s sinks.CampaignSnapshot) error {
	sctx, end := c.t.inRunTrace(ctx, "campaign_snapshot", s.CampaignID, s.RunID, s.Poll)
	err := c.ResultsPublisher.PublishSnapshot(sctx, s)
	end(err)
	if err == nil {
		c.t.inst.snapshots.Add(ctx, 1)
	}
	return err
}

func (c countedResults) PublishContactOutcomes(ctx context.Context, campaignID, runID string, poll int, rows []sinks.ContactOutcome) error {
	sctx, end := c.t.inRunTrace(ctx, "contact_outcomes", campaignID, runID, poll)
	err := c.ResultsPublisher.PublishContactOutcomes(sctx, campaignID, runID, poll, rows)
	end(err)
	if err == nil {
		c.t.inst.outcomes.Add(ctx, int64(len(rows)))
	}
	return err
}

// ReportPublisher publishes ingest reports (handlers.ReportPublisher).
type ReportPublisher interface {
	PublishIngestReport(ctx context.Context, r sinks.IngestReport) error
}

// CountReports wraps p: each ingest report's accepted and rejected rows are
// counted by event type once it is handed to the stream (an event redelivered
// after its report was published counts again).
func (t *Telemetry) CountReports(p ReportPublisher) ReportPublisher { return countedReports{p, t.inst} }

type countedReports struct {
	ReportPublisher
	inst *instruments
}

func (c countedReports) PublishIngestReport(ctx context.Context, r sinks.IngestReport) error {
	err := c.ReportPublisher.PublishIngestReport(ctx, r)
	if err == nil {
		typ := c.inst.eventTypes.label(r.EventType)
		c.inst.csvRows.Add(ctx, r.RowsAccepted, labels("event_type", typ, "result", "accepted"))
		c.inst.csvRows.Add(ctx, r.RowsRejected, labels("event_type", typ, "result", "rejected"))
	}
	return err
}
