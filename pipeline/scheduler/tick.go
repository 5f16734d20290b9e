package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/internal/beat"
	"github.com/campaignflow/campaignflow/pipeline/results"
)

// fireTolerance absorbs a timer that fires a hair before the nominal time.
const fireTolerance = 100 * time.Millisecond

// Retry pacing of a failed tick.
const (
	tickRetryFirst  = 250 * time.Millisecond
	tickRetryMax    = 2 * time.Second
	claimTryTimeout = 2 * time.Second
)

// fire is the gocron task body, on every replica: it derives the tick's
// nominal time from the cron (the latest fire time at or before now), not
// from now itself, so replicas with different clocks name a tick
// identically. The leader runs the tick at once; a follower gives the
// leader a grace to claim it, then runs it itself if nobody has (a leader
// that is stalled or cut off, or whose lease lapsed, costs a tick no more
// than the grace).
func (s *Scheduler) fire(ctx context.Context, id string) {
	spec, ok := s.spec(id)
	if !ok {
		return // removed while the tick was starting
	}
	at, ok := spec.cron.prev(s.opt.clock.Now().Add(fireTolerance))
	if !ok {
		return
	}
	if s.elector.IsLeader(ctx) != nil {
		if !s.sleep(ctx, s.opt.followerGrace) {
			return
		}
	}
	s.runTick(ctx, spec, at, false)
}

// sleep waits d on the scheduler's clock; false when ctx ended first.
func (s *Scheduler) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	select {
	case <-ctx.Done():
		return false
	case <-s.opt.clock.After(d):
		return true
	}
}

// runTick runs one tick unless it is done or another replica holds it. A
// run that fails transiently is tried again (its claim released at once, so
// any replica may take it) until it succeeds or the job's next tick is due,
// but for at least the retry window (a stream leader election in NATS takes
// seconds: a per-second cron would lose every tick meanwhile);
// a claim held by another replica is watched until it is done, or expires
// (its holder died) and is taken over, within the same window.
func (s *Scheduler) runTick(ctx context.Context, spec jobSpec, at time.Time, catchUp bool) {
	if spec.ended(at) {
		return
	}
	log := s.opt.log.With("job", spec.ID, "tick", at.UTC().Format(time.RFC3339), "catch_up", catchUp)
	if last, _, err := readLast(ctx, s.leaseKV, spec.ID); err == nil && at.Before(last.Add(-s.opt.claimTTL/2)) {
		log.Warn("scheduler: tick skipped: far older than the job's last tick (its claim may have expired)", "last", last)
		return
	}
	deadline := retryDeadline(spec, at, s.opt.retryWindow)
	wait := tickRetryFirst
	var lastErr error
	ranOnce := false
	for {
		now := s.opt.clock.Now()
		// A short bound per try: a KV whose leader stalls answers nothing
		// until a new one is elected, and the next try should find it.
		cctx, ccancel := context.WithTimeout(ctx, claimTryTimeout)
		slot, found, err := claimTick(cctx, s.js, s.leaseKV, spec.ID, at, tickClaim{Replica: s.opt.replica, CatchUp: catchUp},
			now, s.opt.tickHold, s.claimTTL)
		ccancel()
		switch {
		case err != nil:
			lastErr = err
			log.Warn("scheduler: tick claim failed; retrying", "err", err)
		case slot == nil && found.done():
			if !ranOnce {
				log.Debug("scheduler: tick already done", "by", found.Replica)
			}
			return
		case slot == nil:
			// Another replica holds it: look again when its claim would
			// expire, or sooner.
			wait = min(max(found.Expires.Sub(now), tickRetryFirst), tickRetryMax)
		default:
			ranOnce = true
			info, err := s.runClaimed(ctx, slot, spec, at, log)
			if err == nil {
				s.report(ctx, Outcome{JobID: spec.ID, ScheduledAt: at, CatchUp: catchUp, Run: info})
				return
			}
			lastErr = err
			if c := pipeline.ClassOf(err); c != pipeline.ClassTransient || ctx.Err() != nil {
				s.report(ctx, Outcome{JobID: spec.ID, ScheduledAt: at, CatchUp: catchUp, Err: err})
				return
			}
			log.Warn("scheduler: tick failed; retrying", "err", err, "until", deadline.UTC())
		}
		if s.opt.clock.Now().Add(wait).After(deadline) {
			if lastErr != nil {
				s.report(ctx, Outcome{JobID: spec.ID, ScheduledAt: at, CatchUp: catchUp,
					Err: fmt.Errorf("scheduler: gave up on the tick when the next one was due: %w", lastErr)})
			}
			return
		}
		if !s.sleep(ctx, wait) {
			return
		}
		if lastErr != nil {
			wait = min(wait*2, tickRetryMax)
		}
	}
}

// retryDeadline is when a failed tick at is given up: when the job's next
// tick is due, but not before window has passed (a per-second cron must
// outlast a NATS leader election or a Chat Inc outage).
func retryDeadline(spec jobSpec, at time.Time, window time.Duration) time.Time {
	deadline := spec.cron.next(at)
	if min := at.Add(window); deadline.Before(min) {
		deadline = min
	}
	return deadline
}

// runClaimed runs the tick under slot, renewing the claim meanwhile, and
// marks it done, or releases it after a failure.
func (s *Scheduler) runClaimed(ctx context.Context, slot *tickSlot, spec jobSpec, at time.Time, log *slog.Logger) (results.RunInfo, error) {
	if err := advanceLast(ctx, s.leaseKV, spec.ID, at); err != nil {
		log.Warn("scheduler: could not record last tick; catch-up may re-check it (the claim still guards)", "err", err)
	}
	stop := s.keepClaim(ctx, slot, log)
	info, err := s.run(ctx, spec, at)
	stop()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err != nil {
		if rerr := slot.release(sctx, s.opt.clock.Now()); rerr != nil {
			log.Warn("scheduler: could not release the failed tick's claim; it expires on its own", "err", rerr)
		}
		return info, err
	}
	if ferr := slot.finish(sctx); ferr != nil {
		log.Warn("scheduler: could not mark the tick done; a replica that retakes it finds the run in the ledger", "err", ferr)
	}
	return info, nil
}

// keepClaim renews slot every third of the hold time until stop is called.
func (s *Scheduler) keepClaim(ctx context.Context, slot *tickSlot, log *slog.Logger) (stop func()) {
	return beat.Start(ctx, s.opt.tickHold/3, func(rctx context.Context) error {
		return slot.renew(rctx, s.opt.clock.Now().Add(s.opt.tickHold))
	}, func(err error) bool {
		log.Warn("scheduler: tick claim not renewed", "err", err)
		return !isWrongLastSequence(err)
	})
}

func (s *Scheduler) run(ctx context.Context, spec jobSpec, at time.Time) (results.RunInfo, error) {
	if spec.PromoID != "" {
		return s.runner.RunPromo(ctx, spec.PromoID, at)
	}
	if s.opt.campaigns == nil {
		return results.RunInfo{}, pipeline.Permanent(errors.New("scheduler: job names a campaign_id but no CampaignRunner was configured"))
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
