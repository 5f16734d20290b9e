package scheduler

import (
	"time"

	"github.com/campaignflow/campaignflow/pipeline/cronspec"
)

// cronSchedule is a job's cron (cronspec, the one cron rule) with the short
// names the scheduler's files use.
type cronSchedule struct {
	spec cronspec.Spec
	loc  *time.Location
}

func parseCron(expr, timeZone string, now time.Time) (cronSchedule, error) {
	s, err := cronspec.Parse(expr, timeZone, now)
	if err != nil {
		return cronSchedule{}, err
	}
	return cronSchedule{spec: s, loc: s.Location()}, nil
}

func (c cronSchedule) crontab() string                    { return c.spec.Crontab() }
func (c cronSchedule) next(t time.Time) time.Time         { return c.spec.Next(t) }
func (c cronSchedule) prev(t time.Time) (time.Time, bool) { return c.spec.Prev(t) }
