package sinks

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// consumerGone says whether a fetch failed because the sink's durable
// consumer was deleted under it: a pull waiting at the time ends with
// ErrConsumerDeleted, a later one finds no responders (which a JetStream
// leader election may also cause). Either way the consumer is looked up:
// a deletion's notice may reach a pull of the consumer made again under
// the same name.
func consumerGone(ctx context.Context, js jetstream.JetStream, stream, durable string, err error) bool {
	if err == nil || !errors.Is(err, jetstream.ErrConsumerDeleted) && !errors.Is(err, jetstream.ErrConsumerNotFound) &&
		!errors.Is(err, nats.ErrNoResponders) {
		return false
	}
	_, lerr := js.Consumer(ctx, stream, durable)
	return errors.Is(lerr, jetstream.ErrConsumerNotFound)
}
