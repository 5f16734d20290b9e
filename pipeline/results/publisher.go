package results

import (
	"context"

	"github.com/campaignflow/campaignflow/sinks"
)

// Publisher is what the poller needs from sinks.Publisher. The snapshot is
// published with Nats-Msg-Id <campaignId>:<runId>:<poll>, so a repeated poll
// never doubles a row downstream.
type Publisher interface {
	PublishSnapshot(ctx context.Context, s sinks.CampaignSnapshot) error
	PublishContactOutcomes(ctx context.Context, campaignID, runID string, poll int, rows []sinks.ContactOutcome) error
}

// flusher is implemented by publishers that publish asynchronously; the
// poller waits for every ack (Flush) before it marks a poll done.
type flusher interface {
	Flush(ctx context.Context) error
}
