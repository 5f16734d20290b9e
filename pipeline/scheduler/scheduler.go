// Package scheduler runs campaign schedules with gocron v2 on every replica
// while exactly one replica acts on each tick: a NATS KV lease elects the
// leader (Elector) and every job body claims its tick slot with a KV
// create-if-absent before starting a run. Jobs come from the config file and
// from the jobs bucket (promo.<promoId>, written by the send-promo handler),
// which every replica watches, so adds and cancels are live everywhere.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
)

// Scheduler is one replica's scheduler. Create with New, start with Run.
type Scheduler struct {
	js      jetstream.JetStream
	buckets Buckets
	runner  PromoRunner
	opt     options
	config  []jobSpec

	elector *Elector
	jobsKV  jetstream.KeyValue
	leaseKV jetstream.KeyValue
	// claimTTL is the per-key TTL of tick claims, 0 when the leases bucket
	// does not support per-key TTLs.
	claimTTL time.Duration

	mu    sync.Mutex
	gc    gocron.Scheduler
	jobs  map[string]*registered // by job id
	stop  chan struct{}
	done  chan struct{}
	ready chan struct{} // closed when the initial jobs are registered
	bg    sync.WaitGroup

	testHookCatchUpDone func() // tests: called when a catch-up pass ends
}

// registered is a job known to gocron.
type registered struct {
	spec jobSpec
	id   uuid.UUID
}

// New validates the configuration; nothing starts until Run.
func New(js jetstream.JetStream, buckets Buckets, runner PromoRunner, opts ...Option) (*Scheduler, error) {
	if js == nil || runner == nil {
		return nil, errors.New("scheduler: New needs a JetStream context and a PromoRunner")
	}
	if err := buckets.validate(); err != nil {
		return nil, err
	}
	o := defaultOptions()
	for _, f := range opts {
		f(&o)
	}
	if o.ttl < 300*time.Millisecond {
		return nil, fmt.Errorf("scheduler: lease TTL %s is too short; use at least 300ms (default %s)", o.ttl, DefaultLeaseTTL)
	}
	s := &Scheduler{js: js, buckets: buckets, runner: runner, opt: o, jobs: map[string]*registered{},
		stop: make(chan struct{}), done: make(chan struct{}), ready: make(chan struct{}), elector: o.elector}
	seen := map[string]bool{}
	for _, c := range o.jobs {
		spec, err := configSpec(c)
		if err != nil {
			return nil, err
		}
		if seen[spec.ID] {
			return nil, fmt.Errorf("scheduler: schedules: name %q appears twice; names must be unique", spec.ID)
		}
		seen[spec.ID] = true
		if spec.CampaignID != "" && o.campaigns == nil {
			return nil, fmt.Errorf("scheduler: schedules[%s]: campaign_id jobs need WithCampaignRunner", spec.ID)
		}
		if err := spec.compile(o.clock.Now()); err != nil {
			return nil, fmt.Errorf("scheduler: schedules[%s]: %w", spec.ID, err)
		}
		s.config = append(s.config, spec)
	}
	return s, nil
}

// Elector returns the lease elector: the one given with WithElector at once;
// otherwise the one Run builds, waiting until Run has built it or ended (nil
// when Run failed before building it). Prefer WithElector.
func (s *Scheduler) Elector() *Elector {
	if s.opt.elector != nil {
		return s.opt.elector
	}
	<-s.readyOrDone()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.elector
}

func (s *Scheduler) readyOrDone() <-chan struct{} {
	select {
	case <-s.ready:
		return s.ready
	case <-s.done:
		return s.done
	}
}

// Ready is closed once the scheduler has registered its config jobs and the
// jobs stored in KV at start.
func (s *Scheduler) Ready() <-chan struct{} { return s.ready }

// Run starts the scheduler and blocks until ctx is done or Shutdown is called.
func (s *Scheduler) Run(ctx context.Context) error {
	defer close(s.done)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var err error
	if s.jobsKV, err = s.js.KeyValue(ctx, s.buckets.Jobs); err != nil {
		return fmt.Errorf("scheduler: open KV bucket %q: %w; start the worker once to create the topology", s.buckets.Jobs, err)
	}
	if s.leaseKV, err = s.js.KeyValue(ctx, s.buckets.Leases); err != nil {
		return fmt.Errorf("scheduler: open KV bucket %q: %w; start the worker once to create the topology", s.buckets.Leases, err)
	}
	s.claimTTL = s.claimTTLFor(ctx)
	if s.elector == nil {
		e := NewElector(s.leaseKV, s.opt.replica, s.opt.ttl, s.opt.clock, s.opt.log)
		s.mu.Lock()
		s.elector = e
		s.mu.Unlock()
	}
	gc, err := gocron.NewScheduler(
		gocron.WithClock(s.opt.clock),
		gocron.WithLocation(time.UTC),
		gocron.WithStopTimeout(5*time.Second),
	)
	if err != nil {
		return fmt.Errorf("scheduler: create gocron scheduler: %w", err)
	}
	s.mu.Lock()
	s.gc = gc
	s.mu.Unlock()
	defer s.shutdownGocron()

	for _, spec := range s.config {
		if err := s.register(spec); err != nil {
			return err
		}
	}
	loaded := make(chan struct{})
	s.bg.Add(1)
	go func() { defer s.bg.Done(); s.watch(ctx, loaded) }()
	select {
	case <-loaded:
	case <-ctx.Done():
	case <-s.stop:
	}
	close(s.ready)
	gc.Start()

	electCtx, stopElector := context.WithCancel(ctx)
	s.elector.setOnElected(func() {
		s.bg.Add(1)
		go func() { defer s.bg.Done(); s.catchUp(ctx) }()
	})
	electorDone := make(chan struct{})
	go func() { defer close(electorDone); s.elector.Run(electCtx) }()

	select {
	case <-ctx.Done():
	case <-s.stop:
	}
	stopElector()
	<-electorDone // releases the lease first so a follower takes over quickly
	cancel()
	s.bg.Wait()
	return nil
}

// Shutdown stops Run (releasing the lease) and waits for it, or for ctx.
func (s *Scheduler) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	s.mu.Unlock()
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("scheduler: shutdown: %w", ctx.Err())
	}
}

func (s *Scheduler) shutdownGocron() {
	s.mu.Lock()
	gc := s.gc
	s.mu.Unlock()
	if err := gc.Shutdown(); err != nil {
		s.opt.log.Warn("scheduler: gocron shutdown", "err", err)
	}
}

// claimTTLFor returns the claim TTL if the leases bucket supports per-key TTLs.
func (s *Scheduler) claimTTLFor(ctx context.Context) time.Duration {
	st, err := s.leaseKV.Status(ctx)
	if err != nil || st.LimitMarkerTTL() <= 0 {
		s.opt.log.Info("scheduler: tick claims do not expire: KV bucket has no per-key TTL support (set LimitMarkerTTL on it)",
			"bucket", s.buckets.Leases)
		return 0
	}
	return s.opt.claimTTL
}
