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
// leader election may also cause, so the consumer is looked up then).
func consumerGone(ctx context.Context, js jetstream.JetStream, stream, durable string, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, jetstream.ErrConsumerDeleted), errors.Is(err, jetstream.ErrConsumerNotFound):
		return true
	case errors.Is(err, nats.ErrNoResponders):
		_, lerr := js.Consumer(ctx, stream, durable)
		return errors.Is(lerr, jetstream.ErrConsumerNotFound)
	}
	return false
}
