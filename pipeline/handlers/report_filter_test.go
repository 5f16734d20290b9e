package handlers_test

import (
	"context"
	"testing"

	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/handlers"
	"github.com/campaignflow/campaignflow/sinks"
)

type reportLog []sinks.IngestReport

func (l *reportLog) PublishIngestReport(_ context.Context, r sinks.IngestReport) error {
	*l = append(*l, r)
	return nil
}

func TestRejectionsOnlyPublishesWhatHasSomethingToSay(t *testing.T) {
	for _, tc := range []struct {
		name      string
		report    sinks.IngestReport
		published bool
	}{
		{"segment, all taken", sinks.IngestReport{EventType: events.TypeSegmentUpdated, RowsTotal: 10, RowsAccepted: 10}, false},
		{"segment, one rejected", sinks.IngestReport{EventType: events.TypeSegmentUpdated, RowsTotal: 10, RowsAccepted: 9, RowsRejected: 1}, true},
		{"segment, nothing taken", sinks.IngestReport{EventType: events.TypeSegmentUpdated, RowsTotal: 2, RowsRejected: 2}, true},
		{"file upload, all taken", sinks.IngestReport{EventType: events.TypeAudienceFileUploaded, RowsTotal: 5000, RowsAccepted: 5000}, true},
		{"file upload, empty", sinks.IngestReport{EventType: events.TypeAudienceFileUploaded}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got reportLog
			if err := handlers.RejectionsOnly(&got).PublishIngestReport(t.Context(), tc.report); err != nil {
				t.Fatal(err)
			}
			if published := len(got) == 1; published != tc.published {
				t.Fatalf("published %v, want %v", published, tc.published)
			}
		})
	}
}
