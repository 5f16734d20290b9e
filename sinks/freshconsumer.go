package sinks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// pullWait is the longest a sink's pull waits for messages; stalePull is
// how long after a consumer's deletion a pull sent to it may still be live.
const (
	pullWait  = 250 * time.Millisecond
	stalePull = pullWait + 100*time.Millisecond
)

// createFresh creates a sink's durable consumer and makes sure it has
// delivered nothing yet. A pull the sink sent to the consumer of the same
// name before that one was deleted may still wait in the server and be
// served by the new one: its messages then go to a fetch that has ended,
// unacked until the ack wait passes (seen: 13 of 15 results held back for
// 30 s). Such a consumer is deleted and made again once that pull has
// expired.
func createFresh(ctx context.Context, js jetstream.JetStream, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	for try := 1; ; try++ {
		cons, err := js.CreateConsumer(ctx, stream, cfg)
		if err != nil {
			return nil, err
		}
		ci := cons.CachedInfo()
		if ci == nil || ci.Delivered.Consumer == 0 && ci.NumAckPending == 0 || try == 4 {
			return cons, nil
		}
		if err := js.DeleteConsumer(ctx, stream, cfg.Durable); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return nil, fmt.Errorf("deleting consumer %s, which a stale pull took %d messages from: %w", cfg.Durable, ci.NumAckPending, err)
		}
		t := time.NewTimer(stalePull)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}
