package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/sinks"
	"github.com/campaignflow/campaignflow/sources"
)

// PublishBoth publishes n result messages twice to the results stream:
// first with raw nats.go PublishAsync, then with a Publisher's Batch (snapshot
// records, ids, bounded pending). It returns both rates in msg/s.
func PublishBoth(ctx context.Context, js jetstream.JetStream, n int) (raw, ours float64, err error) {
	names := sources.DefaultNames()
	payload := []byte(`{"schema":"campaign_snapshot.v1","campaign_id":"bench","run_id":"r","poll":1,"sent":980,"delivered":950,"read":610}`)
	start := time.Now()
	for i := range n {
		if _, err := js.PublishAsync(names.ResultCampaignSubject("rawbench"), payload, jetstream.WithMsgID(fmt.Sprint("raw-", i))); err != nil {
			return 0, 0, err
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	}
	raw = float64(n) / time.Since(start).Seconds()

	p := sinks.NewPublisher(js, names).Batch()
	start = time.Now()
	s := sinks.CampaignSnapshot{CampaignID: "bench", RunID: "r", Title: "bench", TakenAt: start, Sent: 980, Delivered: 950, Read: 610}
	s.Rates()
	for i := range n {
		s.Poll = i
		if err := p.PublishSnapshot(ctx, s); err != nil {
			return raw, 0, err
		}
		if i%10000 == 9999 {
			if err := p.Wait(ctx); err != nil {
				return raw, 0, err
			}
		}
	}
	if err := p.Wait(ctx); err != nil {
		return raw, 0, err
	}
	ours = float64(n) / time.Since(start).Seconds()
	return raw, ours, nil
}
