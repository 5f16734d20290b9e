package handlers

import (
	"context"
	"time"

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
