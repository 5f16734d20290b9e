package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/sources"
)

// IngestTarget is the target: the worker at least 60% of raw.
const IngestTarget = 0.60

// Run is one side's measurement.
type Run struct {
	Count   int
	Elapsed time.Duration
}

// Rate is Count per second.
func (r Run) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Count) / r.Elapsed.Seconds()
}

// IngestRaw consumes the n events stored on the bus (n must be all the
// events stream holds) with plain nats.go: a fresh durable pull consumer
// (the worker's settings), Consume with a callback that only acks. The
// clock stops when the server has every ack.
func (b *Bus) IngestRaw(ctx context.Context, n int) (Run, error) {
	cons, err := b.newConsumer(ctx, "bench-raw")
	if err != nil {
		return Run{}, err
	}
	defer b.deleteConsumer(cons)
	var seen atomic.Int64
	all := make(chan struct{})
	start := time.Now()
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		_ = msg.Ack()
		if seen.Add(1) == int64(n) {
			close(all)
		}
	})
	if err != nil {
		return Run{}, fmt.Errorf("bench: raw consume: %w", err)
	}
	defer func() { cc.Stop(); <-cc.Closed() }()
	select {
	case <-all:
	case <-ctx.Done():
		return Run{}, fmt.Errorf("bench: raw consume: %d of %d messages: %w", seen.Load(), n, ctx.Err())
	}
	info, err := waitAcked(ctx, cons, n)
	elapsed := time.Since(start)
	if err != nil {
		return Run{}, err
	}
	if err := exactlyOnce(info, n, int(seen.Load())); err != nil {
		return Run{}, err
	}
	return Run{Count: n, Elapsed: elapsed}, nil
}

// IngestRunner consumes the n events stored on the bus the way the worker
// does (cmd/campaignflow/internal/worker/parts.go): sources.Consumer (bounded concurrency,
// in-progress acks) calling pipeline.Runner.Process (decode, handler, double
// ack, nak/DLQ mapping) with a pipeline.Router that has Recover middleware
// and a send-promo handler that returns nil at once: the no-op Chat Inc.
// The clock stops when the server has every ack.
func (b *Bus) IngestRunner(ctx context.Context, n, concurrency int) (Run, error) {
	cons, err := b.newConsumer(ctx, "bench-runner")
	if err != nil {
		return Run{}, err
	}
	defer b.deleteConsumer(cons)
	cfg := cons.CachedInfo().Config
	first := b.firstSeq(ctx)
	seen := make([]atomic.Int32, n)
	var handled, outOfRange atomic.Int64
	all := make(chan struct{})
	r := pipeline.NewRouter()
	r.Use(pipeline.Recover())
	r.Handle("send-promo", func(_ context.Context, m *pipeline.Message) error {
		if i := int(m.StreamSeq - first); m.StreamSeq >= first && i < n {
			seen[i].Add(1)
		} else {
			outOfRange.Add(1)
		}
		return nil
	})
	obs := &outcomeCounter{}
	runner := pipeline.NewRunner(b.JS, b.Names, r.Handler(), pipeline.WithMaxDeliver(cfg.MaxDeliver), pipeline.WithObserver(obs))
	process := func(ctx context.Context, msg jetstream.Msg) {
		runner.Process(ctx, msg)
		if handled.Add(1) == int64(n) {
			close(all)
		}
	}
	c := sources.NewConsumer(b.JS, b.Names.EventsStream, cfg.Durable, process,
		sources.WithConcurrency(concurrency), sources.WithAckWait(cfg.AckWait), sources.WithConn(b.Conn))
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	start := time.Now()
	runErr := make(chan error, 1)
	go func() { runErr <- c.Run(runCtx) }()
	shutdown := func() error {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		err := c.Shutdown(sctx)
		stop()
		if rerr := <-runErr; err == nil {
			err = rerr
		}
		return err
	}
	select {
	case <-all:
	case <-ctx.Done():
		_ = shutdown()
		return Run{}, fmt.Errorf("bench: runner consume: %d of %d messages: %w", handled.Load(), n, ctx.Err())
	}
	info, err := waitAcked(ctx, cons, n)
	elapsed := time.Since(start)
	if serr := shutdown(); err == nil {
		err = serr
	}
	if err != nil {
		return Run{}, err
	}
	if err := exactlyOnce(info, n, int(handled.Load())); err != nil {
		return Run{}, err
	}
	for i := range seen {
		if v := seen[i].Load(); v != 1 {
			return Run{}, fmt.Errorf("%w: stream sequence %d reached the handler %d times", errNotAllAcked, first+uint64(i), v)
		}
	}
	if acks, others := obs.acks.Load(), obs.others.Load(); acks != int64(n) || others != 0 || outOfRange.Load() != 0 {
		return Run{}, fmt.Errorf("%w: runner acked %d, nak'ed or dead-lettered %d, %d unexpected messages; want %d acks",
			errNotAllAcked, acks, others, outOfRange.Load(), n)
	}
	return Run{Count: n, Elapsed: elapsed}, nil
}

// exactlyOnce checks the server's view: n delivered, n acked, none
// redelivered, and the callback saw n.
func exactlyOnce(info *jetstream.ConsumerInfo, n, handled int) error {
	if info.Delivered.Consumer != uint64(n) || info.AckFloor.Consumer != uint64(n) || info.NumRedelivered != 0 || handled != n {
		return fmt.Errorf("%w: consumer %s delivered %d, ack floor %d, redelivered %d, handled %d; want %d each and 0 redelivered",
			errNotAllAcked, info.Name, info.Delivered.Consumer, info.AckFloor.Consumer, info.NumRedelivered, handled, n)
	}
	return nil
}

func (b *Bus) firstSeq(ctx context.Context) uint64 {
	info, err := b.Topology.Events.Info(ctx)
	if err != nil {
		return 1
	}
	return info.State.FirstSeq
}

func (b *Bus) deleteConsumer(c jetstream.Consumer) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = b.JS.DeleteConsumer(ctx, b.Names.EventsStream, c.CachedInfo().Name)
}

// outcomeCounter is the runner's observer: it counts acks and the rest.
type outcomeCounter struct{ acks, others atomic.Int64 }

func (o *outcomeCounter) OnOutcome(_ context.Context, _ string, outcome pipeline.Outcome, _ pipeline.Class, _ time.Duration) {
	if outcome == pipeline.OutcomeAck {
		o.acks.Add(1)
	} else {
		o.others.Add(1)
	}
}

// IngestOptions configure Ingest.
type IngestOptions struct {
	Messages    int    // events stored and consumed by each side (default 200,000)
	Concurrency int    // the worker's consumer concurrency (default 16, the config default)
	Dir         string // nats-server store (default: a temporary directory)
	Breakdown   bool   // also run sources.Consumer with Ack only and DoubleAck only (no runner)
}

// Ingest stores the events once, then consumes them all with raw nats.go
// and with the worker's consume loop and runner, and compares the rates.
func Ingest(ctx context.Context, o IngestOptions) (Result, error) {
	if o.Messages <= 0 {
		o.Messages = 200_000
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	bus, err := StartBus(ctx, o.Dir)
	if err != nil {
		return Result{}, err
	}
	defer bus.Close()
	if err := bus.FillEvents(ctx, o.Messages); err != nil {
		return Result{}, err
	}
	raw, err := bus.IngestRaw(ctx, o.Messages)
	if err != nil {
		return Result{}, err
	}
	mem := StartMemorySampler(0)
	ours, err := bus.IngestRunner(ctx, o.Messages, o.Concurrency)
	peaks := mem.Stop()
	if err != nil {
		return Result{}, err
	}
	res := Result{
		Name: "ingest", Unit: "msg/s", Count: o.Messages,
		Anchor:  Figure{Label: "raw nats.go: pull Consume, Ack in the callback", Rate: raw.Rate()},
		Project: Figure{Label: fmt.Sprintf("sources.Consumer (concurrency %d) + pipeline.Runner + Router, no-op Chat Inc", o.Concurrency), Rate: ours.Rate()},
		Target:  fmt.Sprintf("project >= %.0f%% of anchor", IngestTarget*100),
		Metrics: append([]Metric{{Name: "anchor elapsed", Value: raw.Elapsed.Seconds(), Unit: "s"},
			{Name: "project elapsed", Value: ours.Elapsed.Seconds(), Unit: "s"}}, peaks.Metrics()...),
		Notes: []string{
			"same embedded nats-server, same stream of small send-promo events, one fresh durable consumer per side with the worker's settings (explicit ack, MaxAckPending 256); clock stops when the server holds every ack",
			"no-op Chat Inc: the router's send-promo handler returns nil at once (the real handler would claim the ledger and call Chat Inc over HTTP); decode, Recover middleware, the ack and the outcome observer are the real ones",
			"every message checked acked exactly once (server: delivered = ack floor = N, 0 redelivered; runner: N acks, each stream sequence handled once)",
		},
	}
	if o.Breakdown {
		for _, double := range []bool{false, true} {
			r, err := bus.IngestConsumerOnly(ctx, o.Messages, o.Concurrency, double)
			if err != nil {
				return Result{}, err
			}
			name := "breakdown: sources.Consumer + Ack only"
			if double {
				name = "breakdown: sources.Consumer + DoubleAck only"
			}
			res.Metrics = append(res.Metrics, Metric{Name: name, Value: r.Rate(), Unit: "msg/s"})
		}
	}
	res.Pass = res.Ratio() >= IngestTarget
	return res, nil
}
