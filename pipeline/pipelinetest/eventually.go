package pipelinetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Eventually checks cond every 20ms until it holds, and fails the test
// with cond's last reason when timeout passes first.
func Eventually(tb testing.TB, timeout time.Duration, cond func() (ok bool, why string)) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("condition not met within %s: %s", timeout, why)
		}
		<-tick.C
	}
}

// ConsumerIdle is a condition for Eventually: the durable consumer of
// stream has nothing pending, nothing unacknowledged and nothing waiting
// for a redelivery.
func ConsumerIdle(js jetstream.JetStream, stream, consumer string) func() (bool, string) {
	return func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		c, err := js.Consumer(ctx, stream, consumer)
		if err != nil {
			return false, err.Error()
		}
		info, err := c.Info(ctx)
		if err != nil {
			return false, err.Error()
		}
		// A nak'ed message waiting for its redelivery is neither pending nor
		// ack-pending; it holds the ack floor below the last delivered one.
		idle := info.NumPending == 0 && info.NumAckPending == 0 && info.AckFloor.Stream >= info.Delivered.Stream
		return idle, fmt.Sprintf("consumer %s: pending %d, ack pending %d, redelivered %d, ack floor %d of %d delivered",
			consumer, info.NumPending, info.NumAckPending, info.NumRedelivered, info.AckFloor.Stream, info.Delivered.Stream)
	}
}
