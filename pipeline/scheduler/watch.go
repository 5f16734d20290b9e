package scheduler

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// watch loads promo.* jobs from the jobs bucket and keeps gocron in step with
// every put and delete until ctx is done. loaded is closed after the initial
// values have been applied.
func (s *Scheduler) watch(ctx context.Context, loaded chan struct{}) {
	first := true
	for ctx.Err() == nil {
		w, err := s.jobsKV.Watch(ctx, PromoKeyPrefix+">")
		if err != nil {
			s.opt.log.Warn("scheduler: watch jobs bucket failed; retrying", "bucket", s.buckets.Jobs, "err", err)
			if !s.sleep(ctx, time.Second) {
				break
			}
			continue
		}
		stop := context.AfterFunc(ctx, func() { _ = w.Stop() }) // Watch does not stop on ctx by itself
		for e := range w.Updates() {
			if e == nil {
				if first {
					first = false
					close(loaded)
				}
				continue
			}
			s.apply(e)
		}
		stop()
		_ = w.Stop()
	}
	if first {
		close(loaded)
	}
}

// apply registers or removes the job of one jobs-bucket entry.
func (s *Scheduler) apply(e jetstream.KeyValueEntry) {
	if e.Operation() != jetstream.KeyValuePut {
		s.unregister(e.Key())
		return
	}
	spec, err := promoSpec(e.Key(), e.Value(), e.Revision())
	if err == nil {
		err = spec.compile(s.opt.clock.Now())
	}
	if err == nil {
		err = s.register(spec)
	}
	if err != nil {
		s.opt.log.Error("scheduler: stored schedule ignored; fix or cancel it", "key", e.Key(), "err", err)
		s.unregister(e.Key())
	}
}
