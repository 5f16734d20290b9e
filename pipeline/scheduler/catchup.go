package scheduler

import (
	"context"
	"time"
)

// catchUp runs, for every job with catch_up once, the latest tick missed
// since its last claimed tick (or since it was created). It runs whenever
// this replica becomes leader: at start and after a failover. The tick goes
// through the same slot claim, so a tick the old leader ran is not repeated.
func (s *Scheduler) catchUp(ctx context.Context) {
	now := s.opt.clock.Now()
	if s.testHookCatchUpDone != nil {
		defer s.testHookCatchUpDone()
	}
	for _, spec := range s.specs() {
		if spec.CatchUp != CatchUpOnce {
			continue
		}
		if at, ok := s.missedTick(ctx, spec, now); ok {
			s.opt.log.Info("scheduler: catching up missed tick", "job", spec.ID, "tick", at.UTC())
			s.runTick(ctx, spec, at, true)
		}
	}
}

// missedTick is the latest fire time before now that is after the job's
// last claimed tick (or creation); false when nothing was missed.
func (s *Scheduler) missedTick(ctx context.Context, spec jobSpec, now time.Time) (time.Time, bool) {
	last, _, err := readLast(ctx, s.leaseKV, spec.ID)
	if err != nil {
		s.opt.log.Warn("scheduler: catch-up skipped: last tick unknown", "job", spec.ID, "err", err)
		return time.Time{}, false
	}
	since := last
	if since.IsZero() {
		since = spec.CreatedAt
	}
	if since.IsZero() {
		return time.Time{}, false // never ran and no creation time: nothing known to be missed
	}
	at, ok := spec.cron.prev(now)
	if !ok || !at.After(since) || spec.ended(at) {
		return time.Time{}, false
	}
	return at, true
}
