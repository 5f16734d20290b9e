package scheduler

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/ids"
)

// JobStatus is one line of `campaignflow schedules list`.
type JobStatus struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"` // config | promo
	Cron        string    `json:"cron"`
	TimeZone    string    `json:"time_zone"`
	CatchUp     string    `json:"catch_up"`
	Next        time.Time `json:"next"`               // zero when the job has ended; in the job's time zone
	Until       time.Time `json:"until,omitzero"`     // the job's end (zero: none)
	LastRun     time.Time `json:"last_run,omitempty"` // scheduled time of the latest finished tick
	LastOutcome string    `json:"last_outcome"`       // "ok run <runId>", "error: ...", or "" (never ran)
	Problem     string    `json:"problem,omitempty"`  // a stored schedule that cannot be used
}

// List returns every job: the config jobs given and the promo.* jobs stored
// in the jobs bucket, with next run (after now) and last outcome from the
// leases bucket. It needs no running scheduler, so the CLI can call it.
func List(ctx context.Context, jobs, leases jetstream.KeyValue, config []ConfigJob, now time.Time) ([]JobStatus, error) {
	var specs []jobSpec
	var out []JobStatus
	for _, c := range config {
		spec, err := configSpec(c)
		if err == nil {
			err = spec.compile(now)
		}
		if err != nil {
			out = append(out, JobStatus{ID: c.Name, Kind: KindConfig, Cron: c.Cron, TimeZone: c.TimeZone, Problem: err.Error()})
			continue
		}
		specs = append(specs, spec)
	}
	lister, err := jobs.ListKeysFiltered(ctx, PromoKeyPrefix+">")
	if err != nil && !errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, fmt.Errorf("scheduler: list keys of KV %s: %w", jobs.Bucket(), err)
	}
	if lister != nil {
		for key := range lister.Keys() {
			e, err := jobs.Get(ctx, key)
			if errors.Is(err, jetstream.ErrKeyNotFound) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("scheduler: read %s in KV %s: %w", key, jobs.Bucket(), err)
			}
			spec, err := promoSpec(key, e.Value(), e.Revision())
			if err == nil {
				err = spec.compile(now)
			}
			if err != nil {
				out = append(out, JobStatus{ID: key, Kind: KindPromo, Problem: err.Error()})
				continue
			}
			specs = append(specs, spec)
		}
	}
	for _, spec := range specs {
		st, err := status(ctx, leases, spec, now)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func status(ctx context.Context, leases jetstream.KeyValue, spec jobSpec, now time.Time) (JobStatus, error) {
	st := JobStatus{ID: spec.ID, Kind: spec.Kind, Cron: spec.CronExpr, TimeZone: spec.cron.loc.String(), CatchUp: spec.CatchUp, Until: spec.Until}
	if n := spec.cron.next(now); !n.IsZero() && !spec.ended(n) {
		st.Next = n.In(spec.cron.loc)
	}
	o, ok, err := readOutcome(ctx, leases, spec.ID)
	if err != nil {
		return st, err
	}
	if ok {
		st.LastRun = o.ScheduledAt
		st.LastOutcome = "ok run " + o.Run.RunID
		if o.Error != "" {
			st.LastOutcome = "error: " + o.Error
		}
	}
	return st, nil
}

// Cancel removes a stored schedule: id is "promo.<promoId>" or "<promoId>".
// Every replica's watcher unregisters it within moments. Config jobs cannot
// be cancelled here: remove them from schedules: in the config file.
func Cancel(ctx context.Context, jobs jetstream.KeyValue, id string, config []ConfigJob) error {
	for _, c := range config {
		if c.Name == id {
			return fmt.Errorf("scheduler: %q is a config schedule; remove it from schedules: in the config file and restart", id)
		}
	}
	key := id
	if !strings.HasPrefix(key, PromoKeyPrefix) {
		key = PromoKeyPrefix + ids.Token(id)
	}
	if _, err := jobs.Get(ctx, key); err != nil {
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("scheduler: no stored schedule %q in KV %s; see `campaignflow schedules list`", id, jobs.Bucket())
		}
		return fmt.Errorf("scheduler: read %s in KV %s: %w", key, jobs.Bucket(), err)
	}
	if err := jobs.Delete(ctx, key); err != nil {
		return fmt.Errorf("scheduler: delete %s in KV %s: %w", key, jobs.Bucket(), err)
	}
	return nil
}

// List is the package List for this scheduler's buckets and config jobs.
func (s *Scheduler) List(ctx context.Context) ([]JobStatus, error) {
	<-s.readyOrDone()
	if s.jobsKV == nil {
		return nil, errors.New("scheduler: not running")
	}
	return List(ctx, s.jobsKV, s.leaseKV, s.opt.jobs, s.opt.clock.Now())
}

// Cancel is the package Cancel for this scheduler's jobs bucket.
func (s *Scheduler) Cancel(ctx context.Context, id string) error {
	<-s.readyOrDone()
	if s.jobsKV == nil {
		return errors.New("scheduler: not running")
	}
	return Cancel(ctx, s.jobsKV, id, s.opt.jobs)
}
