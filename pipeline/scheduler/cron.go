package scheduler

import (
	"fmt"
	"strings"
	"time"

	"github.com/go-co-op/gocron/v2"
)

// maxLookback bounds the search for a cron's previous fire time (a yearly
// cron such as "0 0 9 1 1 *" needs a year).
const maxLookback = 5 * 366 * 24 * time.Hour

// cronSchedule is a parsed cron expression (five fields, or six with seconds)
// in a time zone. The scheduler uses the same gocron parser for registering
// the job and for computing a tick's nominal time, so every replica derives
// the same scheduled time for a tick whatever its clock says.
type cronSchedule struct {
	expr string
	loc  *time.Location
	cron gocron.Cron
}

func parseCron(expr, timeZone string, now time.Time) (cronSchedule, error) {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return cronSchedule{}, fmt.Errorf("scheduler: cron is empty; give five fields (\"0 9 * * FRI\") or six with seconds")
	}
	if strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ=") {
		return cronSchedule{}, fmt.Errorf("scheduler: cron %q: set the time zone with time_zone, not a TZ= prefix", expr)
	}
	loc := time.UTC
	if timeZone != "" {
		l, err := time.LoadLocation(timeZone)
		if err != nil {
			return cronSchedule{}, fmt.Errorf("scheduler: time_zone %q: %w; use an IANA name such as Africa/Johannesburg", timeZone, err)
		}
		loc = l
	}
	c := gocron.NewDefaultCron(true)
	if err := c.IsValid(expr, loc, now); err != nil {
		return cronSchedule{}, fmt.Errorf("scheduler: cron %q: %w", expr, err)
	}
	return cronSchedule{expr: expr, loc: loc, cron: c}, nil
}

// crontab is the expression with its zone, for gocron.CronJob(crontab, true).
func (c cronSchedule) crontab() string {
	return "CRON_TZ=" + c.loc.String() + " " + c.expr
}

// next is the first fire time strictly after t (zero if none).
func (c cronSchedule) next(t time.Time) time.Time {
	return c.cron.Next(t)
}

// prev is the latest fire time at or before t; false when there is none
// within maxLookback.
func (c cronSchedule) prev(t time.Time) (time.Time, bool) {
	for window := time.Second; window <= 2*maxLookback; window *= 2 {
		first := c.cron.Next(t.Add(-window))
		if first.IsZero() {
			return time.Time{}, false
		}
		if first.After(t) {
			continue
		}
		p := first
		for {
			n := c.cron.Next(p)
			if n.IsZero() || n.After(t) {
				return p, true
			}
			p = n
		}
	}
	return time.Time{}, false
}
