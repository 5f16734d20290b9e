// Package results owns what follows a campaign run: its RunInfo and poll
// plan (persisted in NATS KV, poll.<runId> in the jobs bucket), the polls of
// Chat Inc on that plan, and the campaign_snapshot.v1 and
// contact_outcome.v1 records they publish to the results stream. A run's W3C
// traceparent is kept in its plan (RunInfo.TraceParent) and every publish
// of the run continues that trace, on whichever replica polls.
package results

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/internal/kvscan"
)

// Poller runs the poll plans. Schedule adds a plan; Run executes due polls
// (on the leader only) until ctx is done.
type Poller struct {
	js         jetstream.JetStream
	jobsBucket string
	client     Client
	pub        Publisher
	opt        options

	mu    sync.Mutex
	kv    jetstream.KeyValue
	state stateStore
}

// NewPoller returns a poller using jobsBucket (campaignflow_jobs) for plans.
func NewPoller(js jetstream.JetStream, jobsBucket string, client Client, pub Publisher, opts ...Option) (*Poller, error) {
	if js == nil || client == nil || pub == nil || jobsBucket == "" {
		return nil, errors.New("results: NewPoller needs a JetStream context, the jobs bucket name, a Chat Inc client and a publisher")
	}
	o := defaultOptions()
	for _, f := range opts {
		f(&o)
	}
	if len(o.offsets) == 0 {
		return nil, errors.New("results: no poll offsets; pass WithOffsets or keep the default")
	}
	if o.interval <= 0 {
		return nil, fmt.Errorf("results: poll interval %s must be positive", o.interval)
	}
	return &Poller{js: js, jobsBucket: jobsBucket, client: client, pub: pub, opt: o}, nil
}

// open binds the jobs bucket and creates the statuses object store if missing.
// A failure is returned and retried on the next call.
func (p *Poller) open(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.kv != nil {
		return nil
	}
	kv, err := p.js.KeyValue(ctx, p.jobsBucket)
	if err != nil {
		return fmt.Errorf("results: open KV bucket %q: %w; start the worker once to create the topology", p.jobsBucket, err)
	}
	obs, err := p.js.ObjectStore(ctx, p.opt.stateBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		obs, err = p.js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: p.opt.stateBucket,
			Description: "campaignflow: last published contact status per run, for result polls"})
	}
	if err != nil {
		return fmt.Errorf("results: object store %q: %w", p.opt.stateBucket, err)
	}
	p.kv, p.state = kv, stateStore{obs: obs}
	return nil
}

// Schedule persists the poll plan of a run (idempotent: a plan that already
// exists is left as it is, so a redelivered event does not restart it).
// A run without a TraceParent gets ctx's (the span of the event or tick
// that started it), so the plan's publishes continue that trace.
func (p *Poller) Schedule(ctx context.Context, run RunInfo) error {
	if run.CampaignID == "" || run.RunID == "" {
		return errors.New("results: Schedule needs the run's campaign id and run id")
	}
	if err := p.open(ctx); err != nil {
		return err
	}
	if run.At.IsZero() {
		run.At = p.opt.clock.Now()
	}
	run.At = run.At.UTC()
	if run.TraceParent == "" {
		run.TraceParent = TraceParent(ctx)
	}
	plan := Plan{Run: run, Offsets: scaleOffsets(p.opt.offsets, p.opt.timeScale)}
	b, _ := json.Marshal(plan)
	_, err := p.kv.Create(ctx, pollKey(run.CampaignID, run.RunID), b)
	if err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("results: store poll plan of %s/%s in KV %s: %w", run.CampaignID, run.RunID, p.jobsBucket, err)
	}
	p.opt.log.Info("results: poll plan scheduled", "campaign_id", run.CampaignID, "run_id", run.RunID, "polls", len(plan.Offsets))
	return nil
}

// Run executes due polls every interval while this replica leads, until ctx
// is done. Progress lives in KV, so a restarted worker continues the plans.
func (p *Poller) Run(ctx context.Context) error {
	if err := p.open(ctx); err != nil {
		return err
	}
	t := p.opt.clock.NewTicker(p.opt.interval)
	defer t.Stop()
	for {
		if p.opt.isLeader(ctx) {
			p.RunDue(ctx)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.Chan():
		}
	}
}

// Plans returns the pending poll plans.
func (p *Poller) Plans(ctx context.Context) ([]Plan, error) {
	if err := p.open(ctx); err != nil {
		return nil, err
	}
	var out []Plan
	err := p.eachPlan(ctx, func(Plan) bool { return true }, func(_ jetstream.KeyValueEntry, plan Plan) { out = append(out, plan) })
	return out, err
}

// RunDue runs every poll that is due now, once each, and returns how many ran.
func (p *Poller) RunDue(ctx context.Context) int {
	if err := p.open(ctx); err != nil {
		p.opt.log.Error("results: cannot poll", "err", err)
		return 0
	}
	now := p.opt.clock.Now()
	ran := 0
	due := func(plan Plan) bool { return !plan.Done() && !plan.Due().After(now) && !plan.RetryAt.After(now) }
	err := p.eachPlan(ctx, due, func(e jetstream.KeyValueEntry, plan Plan) {
		if ctx.Err() != nil {
			return
		}
		if err := p.advance(ctx, e.Key(), e.Revision(), plan); err != nil {
			p.failed(ctx, e, plan, now, err)
			return
		}
		ran++
	})
	if err != nil && ctx.Err() == nil {
		p.opt.log.Warn("results: listing poll plans failed", "bucket", p.jobsBucket, "err", err)
	}
	return ran
}

// listTimeout bounds one read of the plans.
const listTimeout = 30 * time.Second

// eachPlan calls f for every readable plan that keep accepts. The plans are
// read in one pass of a KV watcher (their latest values, deletes ignored):
// one stream read however many plans there are, not a Get per plan. f runs
// after the read, on the entries kept.
func (p *Poller) eachPlan(ctx context.Context, keep func(Plan) bool, f func(jetstream.KeyValueEntry, Plan)) error {
	type item struct {
		e    jetstream.KeyValueEntry
		plan Plan
	}
	var items []item
	err := kvscan.Each(ctx, p.kv, []string{PollKeyPrefix + ">"}, listTimeout, func(e jetstream.KeyValueEntry) {
		plan, err := decodePlan(e.Key(), e.Value())
		if err != nil {
			p.opt.log.Error("results: unreadable poll plan skipped; delete it", "key", e.Key(), "err", err)
			return
		}
		if keep(plan) {
			items = append(items, item{e, plan})
		}
	})
	if err != nil {
		return fmt.Errorf("results: reading the poll plans: %w", err)
	}
	for _, it := range items {
		f(it.e, it.plan)
	}
	return nil
}

// failed records a poll's failure in its plan (best effort, same
// revision) and when to try again, backing off; a run that Chat Inc has not
// listed for goneAfter polls in a row has its plan dropped, with one line.
func (p *Poller) failed(ctx context.Context, e jetstream.KeyValueEntry, plan Plan, now time.Time, err error) {
	plan.LastError = err.Error()
	plan.Failures++
	if errors.Is(err, ErrRunGone) && plan.Failures >= goneAfter {
		if derr := p.kv.Delete(ctx, e.Key(), jetstream.LastRevision(e.Revision())); derr == nil {
			_ = p.state.remove(ctx, e.Key())
			p.opt.log.Warn("results: run is gone from Chat Inc (deleted, or a sandbox that lost its state); its poll plan is dropped",
				"key", e.Key(), "campaign_id", plan.Run.CampaignID, "run_id", plan.Run.RunID, "polls_done", plan.Next, "err", err)
			return
		}
	}
	wait := retryDelay(p.opt.interval, plan.Failures)
	plan.RetryAt = now.Add(wait)
	p.opt.log.Warn("results: poll failed; retrying", "key", e.Key(), "poll", plan.Next+1, "failures", plan.Failures,
		"retry_in", wait.String(), "err", err)
	b, _ := json.Marshal(plan)
	_, _ = p.kv.Update(ctx, e.Key(), b, e.Revision())
}
