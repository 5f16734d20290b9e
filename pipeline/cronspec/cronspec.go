// Package cronspec owns the cron rule of campaignflow: what a cron
// expression of a schedule may be (five fields, or six with seconds first;
// descriptors like @daily; the zone given apart, never as a TZ= prefix) and
// when it fires. The scheduler registers jobs with it, and config and event
// validation check expressions with it, so an expression that validates is
// one the scheduler runs.
package cronspec

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-co-op/gocron/v2"
)

// maxLookback bounds the search for a cron's previous fire time (a yearly
// cron such as "0 0 9 1 1 *" needs a year).
const maxLookback = 5 * 366 * 24 * time.Hour

// Spec is a parsed cron expression (five fields, or six with seconds) in a
// time zone. The scheduler uses the same gocron parser for registering the
// job and for computing a tick's nominal time, so every replica derives the
// same scheduled time for a tick whatever its clock says.
type Spec struct {
	expr string
	loc  *time.Location
	cron gocron.Cron
}

// Parse checks expr in timeZone (empty: UTC); now is when it must still
// fire after (a cron that never fires again is refused).
func Parse(expr, timeZone string, now time.Time) (Spec, error) {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return Spec{}, fmt.Errorf("cronspec: cron is empty; give five fields (\"0 9 * * FRI\") or six with seconds")
	}
	if n := len(strings.Fields(expr)); !strings.HasPrefix(expr, "@") && n != 5 && n != 6 && !strings.Contains(expr, "TZ=") {
		return Spec{}, fmt.Errorf("cronspec: cron %q has %d fields; want 5 (minute hour day month weekday) or 6 (with seconds first)", expr, n)
	}
	if strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ=") {
		return Spec{}, fmt.Errorf("cronspec: cron %q: set the time zone with time_zone, not a TZ= prefix", expr)
	}
	if rest, ok := strings.CutPrefix(expr, "@every "); ok {
		if d, err := time.ParseDuration(strings.TrimSpace(rest)); err == nil && d < time.Second {
			return Spec{}, fmt.Errorf("cronspec: cron %q: the scheduler runs a job at most once a second; give @every 1s or more", expr)
		}
	}
	loc := time.UTC
	if timeZone != "" {
		l, err := Zone(timeZone)
		if errors.Is(err, ErrLocalZone) {
			return Spec{}, fmt.Errorf("cronspec: time_zone: %w", err)
		}
		if err != nil {
			return Spec{}, fmt.Errorf("cronspec: time_zone %q: %w; use an IANA name such as Africa/Johannesburg", timeZone, err)
		}
		loc = l
	}
	c := gocron.NewDefaultCron(true)
	if err := c.IsValid(expr, loc, now); err != nil {
		// gocron's message has a line break; keep it on one line.
		return Spec{}, fmt.Errorf("cronspec: cron %q: %s", expr, strings.ReplaceAll(err.Error(), "\n", ": "))
	}
	if next := c.Next(now); !next.IsZero() && next.Sub(now) > maxLookback {
		return Spec{}, fmt.Errorf("cronspec: cron %q first fires on %s, more than 5 years from now; give a schedule that fires sooner", expr, next.UTC().Format(time.DateOnly))
	}
	return Spec{expr: expr, loc: loc, cron: c}, nil
}

// Location is the zone the expression is read in.
func (c Spec) Location() *time.Location { return c.loc }

// Crontab is the expression with its zone, for gocron.CronJob(crontab, true).
func (c Spec) Crontab() string {
	return "CRON_TZ=" + c.loc.String() + " " + c.expr
}

// Next is the first fire time strictly after t (zero if none).
func (c Spec) Next(t time.Time) time.Time {
	return c.cron.Next(t)
}

// Prev is the latest fire time at or before t; false when there is none
// within maxLookback.
func (c Spec) Prev(t time.Time) (time.Time, bool) {
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
