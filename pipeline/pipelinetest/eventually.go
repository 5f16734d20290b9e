package pipelinetest

import (
	"context"
	"errors"
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
// stream has acked everything the stream holds for it: nothing pending,
// nothing unacknowledged, nothing waiting for a redelivery, and its ack
// floor at the stream's last message for its filter. (The last check does
// not trust the pending count alone: right after a nats-server restart it
// can lag behind messages stored since.)
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
		last, err := lastSeqFor(ctx, js, stream, info.Config)
		if err != nil {
			return false, err.Error()
		}
		// A nak'ed message waiting for its redelivery is neither pending nor
		// ack-pending; it holds the ack floor below the last delivered one.
		idle := info.NumPending == 0 && info.NumAckPending == 0 && info.AckFloor.Stream >= info.Delivered.Stream &&
			info.AckFloor.Stream >= last
		return idle, fmt.Sprintf("consumer %s: pending %d, ack pending %d, redelivered %d, ack floor %d of %d delivered, stream's last %d",
			consumer, info.NumPending, info.NumAckPending, info.NumRedelivered, info.AckFloor.Stream, info.Delivered.Stream, last)
	}
}

// lastSeqFor is the sequence of the stream's last message a consumer with
// cfg takes (0 when there is none).
func lastSeqFor(ctx context.Context, js jetstream.JetStream, stream string, cfg jetstream.ConsumerConfig) (uint64, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, err
	}
	filter := cfg.FilterSubject
	if filter == "" && len(cfg.FilterSubjects) == 1 {
		filter = cfg.FilterSubjects[0]
	}
	if filter == "" {
		si, err := s.Info(ctx)
		if err != nil {
			return 0, err
		}
		return si.State.LastSeq, nil
	}
	m, err := s.GetLastMsgForSubject(ctx, filter)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return m.Sequence, nil
}
