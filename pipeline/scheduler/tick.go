package scheduler

import (
	"context"
	"errors"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/results"
)

// fireTolerance absorbs a timer that fires a hair before the nominal time.
const fireTolerance = 100 * time.Millisecond

// fire is the gocron task body: it derives the tick's nominal time from the
// cron (the latest fire time at or before now), not from now itself, so
// replicas with different clocks name a tick identically.
func (s *Scheduler) fire(ctx context.Context, id string) {
	spec, ok := s.spec(id)
	if !ok {
		return // removed while the tick was starting
	}
	at, ok := spec.cron.prev(s.opt.clock.Now().Add(fireTolerance))
	if !ok {
		return
	}
	s.runTick(ctx, spec, at, false)
}

// runTick runs one tick if this replica leads and wins the tick's slot.
func (s *Scheduler) runTick(ctx context.Context, spec jobSpec, at time.Time, catchUp bool) {
	if spec.ended(at) || s.elector.IsLeader(ctx) != nil {
		return
	}
	log := s.opt.log.With("job", spec.ID, "tick", at.UTC().Format(time.RFC3339), "catch_up", catchUp)
	if last, _, err := readLast(ctx, s.leaseKV, spec.ID); err == nil && at.Before(last.Add(-s.opt.claimTTL/2)) {
		log.Warn("scheduler: tick skipped: far older than the job's last tick (its claim may have expired)", "last", last)
		return
	}
	won, err := claimTick(ctx, s.leaseKV, spec.ID, at, tickClaim{Replica: s.opt.replica, ClaimedAt: s.opt.clock.Now().UTC(), CatchUp: catchUp}, s.claimTTL)
	if err != nil {
		s.report(ctx, Outcome{JobID: spec.ID, ScheduledAt: at, CatchUp: catchUp, Err: err})
		return
	}
	if !won {
		log.Debug("scheduler: tick already claimed by another replica")
		return
	}
	if err := advanceLast(ctx, s.leaseKV, spec.ID, at); err != nil {
		log.Warn("scheduler: could not record last tick; catch-up may re-check it (the claim still guards)", "err", err)
	}
	info, err := s.run(ctx, spec, at)
	s.report(ctx, Outcome{JobID: spec.ID, ScheduledAt: at, CatchUp: catchUp, Run: info, Err: err})
}

func (s *Scheduler) run(ctx context.Context, spec jobSpec, at time.Time) (results.RunInfo, error) {
	if spec.PromoID != "" {
		return s.runner.RunPromo(ctx, spec.PromoID, at)
	}
	if s.opt.campaigns == nil {
		return results.RunInfo{}, errors.New("scheduler: job names a campaign_id but no CampaignRunner was configured")
	}
	return s.opt.campaigns.RunCampaign(ctx, spec.CampaignID, spec.Audiences, at)
}

// report logs, stores and observes a tick's outcome.
func (s *Scheduler) report(ctx context.Context, o Outcome) {
	o.Replica = s.opt.replica
	o.FinishedAt = s.opt.clock.Now().UTC()
	o.ScheduledAt = o.ScheduledAt.UTC()
	if o.Err != nil {
		o.Error = o.Err.Error()
		s.opt.log.Error("scheduler: tick failed", "job", o.JobID, "tick", o.ScheduledAt, "catch_up", o.CatchUp, "err", o.Err)
	} else {
		s.opt.log.Info("scheduler: tick ran", "job", o.JobID, "tick", o.ScheduledAt, "catch_up", o.CatchUp,
			"campaign_id", o.Run.CampaignID, "run_id", o.Run.RunID)
	}
	storeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := writeOutcome(storeCtx, s.leaseKV, o); err != nil {
		s.opt.log.Warn("scheduler: could not store outcome", "job", o.JobID, "err", err)
	}
	if s.opt.observer != nil {
		s.opt.observer(o)
	}
}
