package handlers

import (
	"context"

	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/sinks"
)

// RejectionsOnly wraps p so that a customer-segment-updated event's ingest
// report is published only when some of its rows were rejected; every other
// report (a file upload's, whose report is the upload's only answer) is
// published as before. A report left out returns nil, so wrappers outside
// this one (the row counters) still see every event.
//
// A segment event whose contacts were all taken is the high-volume case:
// publishing its report costs about as much as the Chat Inc call itself
// (worker and nats-server CPU) and adds one subject per event to the
// results stream for its whole max age.
func RejectionsOnly(p ReportPublisher) ReportPublisher { return rejectionsOnly{p} }

type rejectionsOnly struct{ p ReportPublisher }

func (r rejectionsOnly) PublishIngestReport(ctx context.Context, rep sinks.IngestReport) error {
	if rep.EventType == events.TypeSegmentUpdated && rep.RowsRejected == 0 {
		return nil
	}
	return r.p.PublishIngestReport(ctx, rep)
}
