package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/sinks"
)

// ReportPublisher publishes ingest_report.v1 records (on
// chatinc.results.ingest.<eventId>); the sinks package implements it.
type ReportPublisher interface {
	PublishIngestReport(ctx context.Context, r sinks.IngestReport) error
}

// reportBuilder counts rows and keeps the first MaxReportedRowErrors
// rejected ones in full.
type reportBuilder struct {
	r sinks.IngestReport
}

func newReport(eventID, eventType, audienceID, group string) *reportBuilder {
	return &reportBuilder{r: sinks.IngestReport{Schema: sinks.SchemaIngestReport, EventID: eventID, EventType: eventType,
		AudienceID: audienceID, VariableGroup: group, Rejected: []sinks.RowError{}}}
}

func (b *reportBuilder) accept() { b.r.RowsTotal++; b.r.RowsAccepted++ }

func (b *reportBuilder) reject(row int, column, value, reason string) {
	b.r.RowsTotal++
	b.r.RowsRejected++
	if len(b.r.Rejected) < sinks.MaxReportedRowErrors {
		b.r.Rejected = append(b.r.Rejected, sinks.RowError{Row: row, Column: column, Value: maskValue(value), Reason: reason})
	} else {
		b.r.RejectedOmitted++
	}
}

func (b *reportBuilder) finish(now time.Time) sinks.IngestReport {
	b.r.FinishedAt = now.UTC()
	return b.r
}

// reporter publishes a finished ingest report and logs it (the segment and
// file handlers).
type reporter struct {
	reports ReportPublisher
	clock   clockwork.Clock
	log     *slog.Logger
}

func (p reporter) publish(ctx context.Context, rep *reportBuilder) error {
	r := rep.finish(p.clock.Now())
	if err := p.reports.PublishIngestReport(ctx, r); err != nil {
		return classify(fmt.Errorf("handlers: publish ingest report of %s %s: %w", r.EventType, r.EventID, err))
	}
	// A segment event whose rows were all taken is the high-volume case
	// (thousands a second) and its report is on the results stream: debug.
	level := slog.LevelInfo
	if r.EventType == events.TypeSegmentUpdated && r.RowsRejected == 0 {
		level = slog.LevelDebug
	}
	if p.log.Enabled(ctx, level) {
		p.log.Log(ctx, level, "handlers: ingest done", "event_id", r.EventID, "type", r.EventType, "audience", r.AudienceID,
			"accepted", r.RowsAccepted, "rejected", r.RowsRejected)
	}
	return nil
}
