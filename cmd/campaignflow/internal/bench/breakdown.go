package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/sources"
)

// IngestConsumerOnly consumes the n stored events with sources.Consumer and
// a callback that only acks, without the runner: Ack (fire and forget, as
// the raw anchor) or DoubleAck (waits for the server; the runner used it before plain acks).
// It splits the ingest gap between the consume loop and the runner.
func (b *Bus) IngestConsumerOnly(ctx context.Context, n, concurrency int, double bool) (Run, error) {
	cons, err := b.newConsumer(ctx, "bench-loop")
	if err != nil {
		return Run{}, err
	}
	defer b.deleteConsumer(cons)
	cfg := cons.CachedInfo().Config
	var handled atomic.Int64
	all := make(chan struct{})
	c := sources.NewConsumer(b.JS, b.Names.EventsStream, cfg.Durable, func(ctx context.Context, msg jetstream.Msg) {
		if double {
			_ = msg.DoubleAck(ctx)
		} else {
			_ = msg.Ack()
		}
		if handled.Add(1) == int64(n) {
			close(all)
		}
	}, sources.WithConcurrency(concurrency), sources.WithAckWait(cfg.AckWait))
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	start := time.Now()
	runErr := make(chan error, 1)
	go func() { runErr <- c.Run(runCtx) }()
	var werr error
	select {
	case <-all:
		var info *jetstream.ConsumerInfo
		if info, werr = waitAcked(ctx, cons, n); werr == nil {
			werr = exactlyOnce(info, n, int(handled.Load()))
		}
	case <-ctx.Done():
		werr = fmt.Errorf("bench: consume loop: %d of %d messages: %w", handled.Load(), n, ctx.Err())
	}
	elapsed := time.Since(start)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	serr := c.Shutdown(sctx)
	stop()
	if rerr := <-runErr; serr == nil {
		serr = rerr
	}
	if werr != nil {
		return Run{}, werr
	}
	if serr != nil {
		return Run{}, serr
	}
	return Run{Count: n, Elapsed: elapsed}, nil
}
