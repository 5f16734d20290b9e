package worker

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/telemetry"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/caps"
	"github.com/campaignflow/campaignflow/pipeline/handlers"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
	"github.com/campaignflow/campaignflow/pipeline/quiethours"
	"github.com/campaignflow/campaignflow/pipeline/results"
	"github.com/campaignflow/campaignflow/pipeline/scheduler"
	"github.com/campaignflow/campaignflow/sinks"
	"github.com/campaignflow/campaignflow/sources"
)

func (w *Worker) startNATS(ctx context.Context) error {
	url := w.cfg.NATS.URL
	if url == "" {
		host, port := "127.0.0.1", 4222
		if h, p, err := net.SplitHostPort(w.cfg.NATS.Listen); err == nil {
			host = h
			port, _ = strconv.Atoi(p)
		}
		if w.opts.randomPorts {
			port = -1
		}
		emb, err := sources.StartEmbedded(sources.EmbeddedOptions{StoreDir: w.cfg.NATS.DataDir, Host: host, Port: port})
		if err != nil {
			return err
		}
		w.embedded = emb
		url = emb.URL()
		w.log.Warn("no NATS URL given: running an EMBEDDED nats-server with JetStream", "url", url, "store", w.cfg.NATS.DataDir,
			"hint", "natscli works against it: nats --server "+url+" stream ls")
	}
	opts := []nats.Option{nats.Name("campaignflow " + w.cfg.WorkerID), nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond),
		nats.PingInterval(w.cfg.NATS.PingInterval), nats.MaxPingsOutstanding(w.cfg.NATS.MaxPingsOut),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil: we closed it
				w.log.Warn("NATS disconnected; reconnecting", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { w.log.Info("NATS reconnected", "url", nc.ConnectedUrlRedacted()) }),
		nats.ClosedHandler(w.onConnClosed)}
	if w.cfg.NATS.Creds != "" {
		opts = append(opts, nats.UserCredentials(w.cfg.NATS.Creds))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return fmt.Errorf("worker: connecting to NATS at %s: %w", url, err)
	}
	w.nc = nc
	// An async publish whose ack is lost (the stream's leader died after
	// storing it) fails after the timeout and is republished with the same
	// id; without one its waiter, and the event behind it, would hang.
	w.js, err = jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(1024), jetstream.WithPublishAsyncTimeout(10*time.Second))
	return err
}

func (w *Worker) startChatInc() error {
	base, key := w.cfg.ChatIncURL(), w.cfg.ChatInc.APIKey
	if w.cfg.SandboxMode() {
		addr := w.cfg.Sandbox.Addr
		if w.opts.randomPorts {
			addr = "127.0.0.1:0"
		}
		so := sandbox.Options{ApproveAfter: approveAfter(w.cfg.Sandbox.ApproveAfter), TimeScale: w.cfg.Sandbox.TimeScale, Seed: w.cfg.Sandbox.Seed,
			StateFile: w.SandboxStateFile()}
		if w.cfg.Sandbox.Faults != "" {
			f, err := sandbox.ParseFaults(w.cfg.Sandbox.Faults)
			if err != nil {
				return err
			}
			so.Faults = f
		}
		sim, err := sandbox.Start(addr, so)
		if err != nil {
			return fmt.Errorf("worker: embedded Chat Inc sandbox: %w; pick another address with --sandbox-addr (sandbox.addr), or set CHATINC_API_KEY to use Chat Inc", err)
		}
		w.sim = sim
		base, key = sim.URL, "sandbox"
		w.log.Warn("no CHATINC_API_KEY: using the built-in Chat Inc SANDBOX; nothing reaches real people", "url", sim.URL, "state", so.StateFile)
	}
	copts := []chatinc.Option{
		chatinc.WithFlowControl(chatinc.FlowControl{Mode: chatinc.FlowMode(w.cfg.ChatInc.FlowControl),
			Ceiling: w.cfg.ChatInc.RateLimit, Burst: w.cfg.ChatInc.RateBurst}),
		chatinc.WithRetry(w.cfg.ChatInc.RetryMaxElapsed, uint(w.cfg.ChatInc.RetryMaxAttempts)),
		chatinc.WithBatchSize(w.cfg.ChatInc.BatchSize), chatinc.WithTimeout(w.cfg.ChatInc.Timeout), chatinc.WithLogger(w.log)}
	if tel := w.opts.telemetry; tel != nil {
		copts = append(copts, chatinc.WithTransport(tel.Transport(chatinc.NewTransport())), chatinc.WithRetryObserver(tel.ObserveRetry))
	}
	c, err := chatinc.New(base, key, copts...)
	if err != nil {
		return err
	}
	w.client = c
	if tel := w.opts.telemetry; tel != nil {
		stop, err := tel.ObserveFlow(func() []telemetry.FlowState {
			var out []telemetry.FlowState
			for _, f := range c.Flow() {
				out = append(out, telemetry.FlowState{Class: f.Class, Limit: f.Limit, InFlight: f.InFlight})
			}
			return out
		})
		if err != nil {
			return err
		}
		w.stopFlowGauges = stop
	}
	return nil
}

func (w *Worker) startResults(ctx context.Context) error {
	offsets := w.cfg.Results.PollOffsets
	var pub results.Publisher = w.pub
	if tel := w.opts.telemetry; tel != nil {
		pub = tel.CountResults(w.pub)
	}
	p, err := results.NewPoller(w.js, w.cfg.Names.JobsBucket, w.client, pub,
		results.WithOffsets(offsets...), results.WithTimeScale(w.cfg.Results.TimeScale), results.WithLogger(w.log),
		results.WithIsLeader(w.elector.Leading))
	if err != nil {
		return err
	}
	w.poller = p
	return nil
}

// runObserver hands each started run to the poller. The run's traceparent
// (ctx's span: the event's or the tick's) is persisted with its poll plan,
// so the run's result publishes join that trace on any replica, after
// restarts too.
type runObserver struct {
	p *results.Poller
}

func (o runObserver) RunStarted(ctx context.Context, info handlers.RunInfo) error {
	if info.TraceParent == "" {
		info.TraceParent = results.TraceParent(ctx)
	}
	return o.p.Schedule(ctx, info)
}

func (w *Worker) startHandlers() error {
	// A claim lives ledger.DefaultClaimTTL (10s) past its holder's last
	// heartbeat: renewed while a Chat Inc call is in flight, it expires soon
	// after its holder dies, and the redelivered event reconciles.
	l := ledger.New(w.top.Ledger, ledger.WithLogger(w.log), ledger.WithOwner(w.cfg.WorkerID))
	w.ledger = l
	var reports handlers.ReportPublisher = w.pub
	if w.cfg.Results.IngestReports != config.IngestReportsAll {
		reports = handlers.RejectionsOnly(reports)
	}
	observer := w.opts.observer
	if tel := w.opts.telemetry; tel != nil {
		reports = tel.CountReports(reports)
		observer = telemetry.MultiObserver(tel.RunnerObserver(), w.opts.observer)
	}
	opts := []handlers.Option{handlers.WithRunObserver(runObserver{w.poller}),
		handlers.WithOpener(handlers.LocationOpener{JS: w.js, Policy: sources.LocationPolicy{AllowedDirs: w.cfg.CSV.AllowedDirs, AllowedHosts: w.cfg.CSV.AllowedHosts}}),
		handlers.WithDefaultRegion(w.cfg.Mapping.DefaultRegion), handlers.WithBatchSize(w.cfg.ChatInc.BatchSize),
		handlers.WithApproval(handlers.ApprovalPolicy{Initial: time.Second, Max: 15 * time.Second, Limit: w.cfg.Promo.ApprovalWait}),
		handlers.WithCSVReader(handlers.CSVRowsWithLimits(w.cfg.CSV.Limits())), handlers.WithLogger(w.log)}
	quiet, err := quiethours.Parse(w.cfg.Promo.QuietHours)
	if err != nil {
		return fmt.Errorf("worker: promo.quiet_hours: %w", err)
	}
	zone, err := time.LoadLocation(w.cfg.Promo.DefaultTimeZone)
	if err != nil {
		return fmt.Errorf("worker: promo.default_time_zone: %w", err)
	}
	opts = append(opts, handlers.WithQuietHours(quiet), handlers.WithDefaultTimeZone(zone),
		handlers.WithCaps(caps.New(w.top.Caps)), handlers.WithSendReports(w.pub))
	var set handlers.Set
	if w.runs, err = handlers.NewRunStarter(w.client, l, opts...); err != nil {
		return err
	}
	if set.Segment, err = handlers.NewSegmentHandler(w.client, reports, opts...); err != nil {
		return err
	}
	if set.File, err = handlers.NewFileHandler(w.client, reports, opts...); err != nil {
		return err
	}
	if set.Promo, err = handlers.NewPromoHandler(w.client, l, w.runs, w.top.Jobs, opts...); err != nil {
		return err
	}
	if set.Cancel, err = handlers.NewCancelHandler(w.top.Jobs, opts...); err != nil {
		return err
	}
	w.promos = set.Promo
	r := pipeline.NewRouter()
	if tel := w.opts.telemetry; tel != nil {
		r.Use(tel.Middleware()) // outermost: a recovered panic is inside the event's span
	}
	r.Use(pipeline.Recover())
	r.Use(w.opts.middleware...)
	set.Register(r)
	w.runner = pipeline.NewRunner(w.js, w.cfg.Names, r.Handler(), pipeline.WithMaxDeliver(w.cfg.Consumer.MaxDeliver),
		pipeline.WithLogger(w.log), pipeline.WithObserver(observer))
	return nil
}

func (w *Worker) startScheduler() error {
	jobs := make([]scheduler.ConfigJob, len(w.cfg.Schedules))
	for i, s := range w.cfg.Schedules {
		jobs[i] = scheduler.ConfigJob(s)
	}
	sopts := []scheduler.Option{scheduler.WithJobs(jobs), scheduler.WithCampaignRunner(w.runs), scheduler.WithReplicaID(w.cfg.WorkerID),
		scheduler.WithLogger(w.log), scheduler.WithElector(w.elector)}
	if tel := w.opts.telemetry; tel != nil {
		sopts = append(sopts, scheduler.WithObserver(func(o scheduler.Outcome) { tel.ObserveTick(o.JobID, o.ScheduledAt, o.FinishedAt, o.OK()) }))
	}
	s, err := scheduler.New(w.js, scheduler.Buckets{Jobs: w.cfg.Names.JobsBucket, Leases: w.cfg.Names.LeasesBucket}, w.promos, sopts...)
	if err != nil {
		return err
	}
	w.sched = s
	return nil
}

// warehouseSink is the part that writes warehouse files: the file sink
// (sinks.dir, each worker its own files) or the blob sink (sinks.url).
type warehouseSink interface {
	Run(ctx context.Context) error
	Shutdown(ctx context.Context) error
}

// startSinks builds the warehouse sink, if one is configured. The blob sink
// writes only while this replica holds the elector's lease (the one the
// scheduler and the poller follow), so one writer writes each output.
func (w *Worker) startSinks(ctx context.Context) error {
	switch {
	case w.cfg.Sinks.URL != "":
		bs, err := sinks.NewBlobSink(ctx, w.js, w.top.Leases, w.cfg.Names, sinks.BlobSinkConfig{URL: w.cfg.Sinks.URL,
			Format: w.cfg.Sinks.Format, WorkerID: w.cfg.WorkerID, RollSize: w.cfg.Sinks.RollSize, RollAge: w.cfg.Sinks.RollAge},
			sinks.WithBlobLogger(w.log), sinks.WithLeader(w.elector.Leading))
		if err != nil {
			return fmt.Errorf("worker: warehouse sink (--sink-url / sinks.url): %w", err)
		}
		w.files = bs
	case w.cfg.Sinks.Dir != "":
		fs, err := sinks.NewFileSink(w.js, w.cfg.Names, sinks.FileSinkConfig{Dir: w.cfg.Sinks.Dir, Format: w.cfg.Sinks.Format,
			WorkerID: w.cfg.WorkerID, RollSize: w.cfg.Sinks.RollSize, RollAge: w.cfg.Sinks.RollAge}, sinks.WithLogger(w.log))
		if err != nil {
			return err
		}
		w.files = fs
	}
	return nil
}

// observeConsumer reports the events consumer's pending and ack-pending
// counts through the telemetry, if any.
func (w *Worker) observeConsumer() error {
	tel := w.opts.telemetry
	if tel == nil {
		return nil
	}
	stream, name := w.cfg.Names.EventsStream, w.cfg.Names.EventsConsumer
	stop, err := tel.ObserveConsumer(stream, name, func(ctx context.Context) (telemetry.ConsumerState, error) {
		c, err := w.js.Consumer(ctx, stream, name)
		if err != nil {
			return telemetry.ConsumerState{}, err
		}
		info, err := c.Info(ctx)
		if err != nil {
			return telemetry.ConsumerState{}, err
		}
		return telemetry.ConsumerState{Pending: info.NumPending, AckPending: uint64(info.NumAckPending)}, nil
	})
	if err != nil {
		return err
	}
	w.stopGauges = stop
	return nil
}

// approveAfter maps sandbox.approve_after to the sandbox's option: 0 is "at once".
func approveAfter(d time.Duration) time.Duration {
	if d == 0 {
		return sandbox.ApproveAtOnce
	}
	return d
}
