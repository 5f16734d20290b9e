package scheduler

import (
	"context"
	"fmt"
	"sort"

	"github.com/go-co-op/gocron/v2"
)

// register adds (or replaces) a job in gocron.
func (s *Scheduler) register(spec jobSpec) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.jobs[spec.ID]; ok {
		if old.spec.sameSchedule(spec) {
			old.spec = spec // e.g. the handler recorded the campaign id: no need to re-arm gocron
			return nil
		}
		if err := s.gc.RemoveJob(old.id); err != nil {
			s.opt.log.Warn("scheduler: remove replaced job", "job", spec.ID, "err", err)
		}
		delete(s.jobs, spec.ID)
	}
	now := s.opt.clock.Now()
	if spec.ended(now) {
		s.opt.log.Info("scheduler: job not registered: its until has passed", "job", spec.ID, "until", spec.Until)
		return nil
	}
	jobOpts := []gocron.JobOption{gocron.WithName(spec.ID)}
	if !spec.Until.IsZero() {
		jobOpts = append(jobOpts, gocron.WithStopAt(gocron.WithStopDateTime(spec.Until)))
	}
	task := gocron.NewTask(func(ctx context.Context) { s.fire(ctx, spec.ID) })
	j, err := s.gc.NewJob(gocron.CronJob(spec.cron.crontab(), true), task, jobOpts...)
	if err != nil {
		return fmt.Errorf("scheduler: register job %s (cron %q): %w", spec.ID, spec.CronExpr, err)
	}
	s.jobs[spec.ID] = &registered{spec: spec, id: j.ID()}
	s.opt.log.Info("scheduler: job registered", "job", spec.ID, "kind", spec.Kind, "cron", spec.CronExpr,
		"time_zone", spec.cron.loc.String(), "catch_up", spec.CatchUp)
	return nil
}

// unregister removes a job from gocron (a cancelled promo).
func (s *Scheduler) unregister(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.jobs[id]
	if !ok {
		return
	}
	if err := s.gc.RemoveJob(old.id); err != nil {
		s.opt.log.Warn("scheduler: remove cancelled job", "job", id, "err", err)
	}
	delete(s.jobs, id)
	s.opt.log.Info("scheduler: job removed", "job", id)
}

// spec returns the current spec of a registered job.
func (s *Scheduler) spec(id string) (jobSpec, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.jobs[id]
	if !ok {
		return jobSpec{}, false
	}
	return r.spec, true
}

// specs returns the registered jobs.
func (s *Scheduler) specs() []jobSpec {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]jobSpec, 0, len(s.jobs))
	for _, r := range s.jobs {
		out = append(out, r.spec)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
