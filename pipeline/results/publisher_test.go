package results

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/sinks"
)

// streamPublisher publishes to the results stream with the contract's
// message ids, synchronously (each publish waits for its ack).
type streamPublisher struct{ js jetstream.JetStream }

func (p streamPublisher) PublishSnapshot(ctx context.Context, s sinks.CampaignSnapshot) error {
	return p.publish(ctx, "chatinc.results.campaign."+s.CampaignID, fmt.Sprintf("%s:%s:%d", s.CampaignID, s.RunID, s.Poll), s)
}

func (p streamPublisher) PublishContactOutcomes(ctx context.Context, campaignID, runID string, poll int, rows []sinks.ContactOutcome) error {
	const size = 7 // small batches so tests cover several
	for i, b := 0, 0; i < len(rows); i, b = i+size, b+1 {
		batch := sinks.ContactOutcomeBatch{Schema: sinks.SchemaContactOutcome, CampaignID: campaignID, RunID: runID, Poll: poll,
			Batch: b, Rows: rows[i:min(i+size, len(rows))]}
		if err := p.publish(ctx, "chatinc.results.contacts."+campaignID, fmt.Sprintf("%s:%s:%d:%d", campaignID, runID, poll, b), batch); err != nil {
			return err
		}
	}
	return nil
}

func (p streamPublisher) publish(ctx context.Context, subject, id string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = p.js.PublishMsg(ctx, &nats.Msg{Subject: subject, Data: b, Header: nats.Header{jetstream.MsgIDHeader: []string{id}}})
	return err
}
