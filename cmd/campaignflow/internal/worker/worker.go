// Package worker assembles campaignflow from its parts: NATS (embedded or
// not), the Chat Inc client (or the embedded sandbox), the topology, the
// event handlers behind the runner and the consumer, the scheduler, the
// result poller, the warehouse sink (files or objects) and the HTTP health endpoints. Parts start in
// dependency order and stop in reverse.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofrs/flock"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/handlers"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
	"github.com/campaignflow/campaignflow/pipeline/results"
	"github.com/campaignflow/campaignflow/pipeline/scheduler"
	"github.com/campaignflow/campaignflow/sinks"
	"github.com/campaignflow/campaignflow/sources"
)

// Worker is a running campaignflow.
type Worker struct {
	cfg  *config.Config
	log  *slog.Logger
	opts options

	embedded *sources.Embedded
	sim      *sandbox.Running
	nc       *nats.Conn
	js       jetstream.JetStream
	top      *sources.Topology
	client   *chatinc.Client
	pub      *sinks.Publisher
	promos   *handlers.PromoHandler // cron promos' ticks (the scheduler)
	runs     *handlers.RunStarter   // configured campaigns' ticks (the scheduler)
	ledger   *ledger.Ledger
	runner   *pipeline.Runner
	consumer *sources.Consumer
	sched    *scheduler.Scheduler
	elector  *scheduler.Elector // built once; scheduler and poller share it
	poller   *results.Poller
	files    warehouseSink // the file sink or the blob sink, if any

	stopGauges     func() error // stops the consumer gauges (telemetry)
	stopFlowGauges func() error // stops the Chat Inc flow gauges (telemetry)

	wg      sync.WaitGroup
	errs    chan error
	cancel  context.CancelFunc
	dirLock *flock.Flock // the data dir, while embedded NATS or the sandbox keep state there
	stopped bool

	closing    atomic.Bool           // Shutdown has begun: a closed connection is ours
	started    atomic.Bool           // Start has set every part (Ready may read them)
	connClosed atomic.Pointer[error] // the NATS connection closed on its own
}

// New prepares a worker; Start starts it.
func New(cfg *config.Config, opts ...Option) (*Worker, error) {
	o := options{log: slog.New(slog.DiscardHandler), closedGrace: 5 * time.Second}
	for _, f := range opts {
		f(&o)
	}
	return &Worker{cfg: cfg, log: o.log, opts: o, errs: make(chan error, 8)}, nil
}

// Start brings every part up. On error, what was started is stopped.
func (w *Worker) Start(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			_ = w.Shutdown(sctx)
		}
	}()
	if err := w.lockDataDir(); err != nil {
		return err
	}
	if err := w.startNATS(ctx); err != nil {
		return err
	}
	if err := w.startChatInc(); err != nil {
		return err
	}
	if w.sim != nil {
		if err := w.seedSandbox(ctx); err != nil {
			return err
		}
	}
	topo := sources.DefaultTopologyOptions()
	topo.Replicas = max(w.cfg.NATS.Replicas, 1)
	topo.AckWait, topo.MaxDeliver, topo.MaxAckPending = w.cfg.Consumer.AckWait, w.cfg.Consumer.MaxDeliver, w.cfg.Consumer.MaxAckPending
	topo.DLQMaxAge, topo.EventsMaxAge = w.cfg.DLQ.MaxAge, w.cfg.Events.MaxAge
	if w.top, err = sources.EnsureTopology(ctx, w.js, w.cfg.Names, topo); err != nil {
		return err
	}
	w.elector = scheduler.NewElector(w.top.Leases, w.cfg.WorkerID, scheduler.DefaultLeaseTTL, nil, w.log)
	pubOpts := w.opts.publisherOptions
	if tel := w.opts.telemetry; tel != nil {
		pubOpts = append([]sinks.PublisherOption{sinks.WithHeaderInjector(tel.InjectHeaders)}, pubOpts...)
	}
	w.pub = sinks.NewPublisher(w.js, w.cfg.Names, pubOpts...)
	if err := w.startResults(ctx); err != nil {
		return err
	}
	if err := w.startHandlers(); err != nil {
		return err
	}
	if err := w.startScheduler(); err != nil {
		return err
	}
	if err := w.startSinks(ctx); err != nil {
		return err
	}
	if err := w.observeConsumer(); err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w.cancel = cancel
	w.consumer = sources.NewConsumer(w.js, w.cfg.Names.EventsStream, w.cfg.Names.EventsConsumer, w.runner.Process,
		sources.WithConcurrency(w.cfg.Consumer.Handlers()), sources.WithAckWait(w.cfg.Consumer.AckWait),
		sources.WithMaxInFlightBytes(w.cfg.Consumer.MaxInFlightBytes),
		sources.WithLogger(w.log), sources.WithConn(w.nc))
	w.goRun("consumer", func() error { return w.consumer.Run(runCtx) })
	w.goRun("scheduler", func() error { return w.sched.Run(runCtx) })
	w.goRun("poller", func() error { return w.poller.Run(runCtx) })
	w.goRun("poll plan repair", func() error { return w.repairPlans(runCtx) })
	if w.files != nil {
		w.goRun("warehouse sink", func() error { return w.files.Run(runCtx) })
	}
	w.started.Store(true)
	w.log.Info("campaignflow worker started", "worker_id", w.cfg.WorkerID, "nats", w.nc.ConnectedUrlRedacted(),
		"chatinc", w.client.BaseURL(), "sandbox", w.sim != nil, "embedded_nats", w.embedded != nil)
	return nil
}

func (w *Worker) goRun(name string, f func() error) {
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		if err := f(); err != nil && !errors.Is(err, context.Canceled) {
			w.log.Error("part stopped with an error", "part", name, "err", err)
			select {
			case w.errs <- fmt.Errorf("%s: %w", name, err):
			default:
			}
		}
	}()
}

// Errors reports a part that stopped on its own with an error.
func (w *Worker) Errors() <-chan error { return w.errs }

// Run starts the worker, waits for ctx to end (or a part to fail), then
// shuts down within the configured grace period plus 10s.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.Start(ctx); err != nil {
		return err
	}
	var runErr error
	select {
	case <-ctx.Done():
		attrs := []any{"in_flight", w.inFlightAttr(), "grace", w.cfg.Consumer.Grace.String()}
		if w.consumer != nil && len(w.consumer.InFlight()) > 0 {
			attrs = append(attrs, "hint", "signal again (Ctrl-C) to stop now: events in flight are nak'ed and redelivered")
		}
		w.log.Info("shutting down: fetching stopped; waiting for the events in flight, then the scheduler, poller and sinks", attrs...)
	case runErr = <-w.errs:
	}
	sctx, cancel := context.WithTimeout(context.Background(), w.cfg.Consumer.Grace+10*time.Second)
	defer cancel()
	if err := w.Shutdown(sctx); err != nil && runErr == nil {
		runErr = err
	}
	w.log.Info("stopped")
	return runErr
}

// drainConsumer stops fetching and waits for the events in flight within
// the grace period, saying every 5s what it waits for; at the end of the
// grace, or at once when the force context (WithForceStop) is done, the
// handlers are cancelled and their events nak'ed.
func (w *Worker) drainConsumer(ctx context.Context) {
	gctx, cancel := context.WithTimeout(ctx, w.cfg.Consumer.Grace)
	defer cancel()
	forced := make(chan struct{})
	if w.opts.force != nil {
		stop := context.AfterFunc(w.opts.force, func() {
			close(forced)
			w.log.Warn("stopping now: cancelling the events in flight; they are nak'ed and redelivered", "in_flight", w.inFlightAttr())
			cancel()
		})
		defer stop()
	}
	done := make(chan error, 1)
	go func() { done <- w.consumer.Shutdown(gctx) }()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	start := time.Now()
	for {
		select {
		case err := <-done:
			select {
			case <-forced:
			default:
				if err != nil {
					w.log.Warn("grace period over; unfinished events were nak'ed", "err", err)
				}
			}
			return
		case <-tick.C:
			w.log.Info("shutting down: still waiting for the events in flight", "in_flight", w.inFlightAttr(),
				"waited", time.Since(start).Round(time.Second).String(), "grace", w.cfg.Consumer.Grace.String(),
				"hint", "signal again (Ctrl-C) to stop now")
		}
	}
}

// inFlightAttr names up to 5 events in flight and counts the rest.
func (w *Worker) inFlightAttr() string {
	if w.consumer == nil {
		return "none"
	}
	names := w.consumer.InFlight()
	switch {
	case len(names) == 0:
		return "none"
	case len(names) > 5:
		return fmt.Sprintf("%d: %s and %d more", len(names), strings.Join(names[:5], ", "), len(names)-5)
	}
	return fmt.Sprintf("%d: %s", len(names), strings.Join(names, ", "))
}

// Shutdown stops fetching, lets in-flight handlers finish within the grace
// period (then cancels them: they nak), stops the scheduler, poller and file
// sink, flushes results, drains NATS and stops what was embedded.
func (w *Worker) Shutdown(ctx context.Context) error {
	if w.stopped {
		return nil
	}
	w.stopped = true
	w.closing.Store(true)
	var errs []error
	if w.consumer != nil {
		w.drainConsumer(ctx)
	}
	w.log.Info("shutting down: stopping the scheduler, result poller and file sink, flushing results, closing NATS")
	if w.files != nil {
		// Before the scheduler, which releases the elector's lease: the blob
		// sink commits its open files while it still holds it.
		errs = append(errs, w.files.Shutdown(ctx))
	}
	if w.sched != nil {
		errs = append(errs, w.sched.Shutdown(ctx))
	}
	if w.cancel != nil {
		w.cancel()
	}
	w.wg.Wait()
	if w.stopGauges != nil {
		errs = append(errs, w.stopGauges())
	}
	if w.stopFlowGauges != nil {
		errs = append(errs, w.stopFlowGauges())
	}
	if w.pub != nil {
		errs = append(errs, w.pub.Flush(ctx))
	}
	if w.nc != nil {
		_ = w.nc.Drain()
		for i := 0; i < 200 && !w.nc.IsClosed(); i++ {
			t := time.NewTimer(25 * time.Millisecond)
			select {
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
		}
		w.nc.Close()
	}
	if w.client != nil {
		w.client.CloseIdleConnections()
	}
	if w.sim != nil {
		errs = append(errs, w.sim.Close(ctx))
	}
	if w.embedded != nil {
		errs = append(errs, w.embedded.Shutdown(ctx))
	}
	w.unlockDataDir()
	return errors.Join(errs...)
}
