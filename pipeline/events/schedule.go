package events

import (
	"strings"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/cronspec"
)

// Catch-up policies of a cron schedule: after downtime run the missed tick
// once, or skip it.
const (
	CatchUpOnce = "once"
	CatchUpSkip = "skip"
)

// Schedule says when a promo runs: absent (now), At (RFC 3339), or Cron (5
// fields, or 6 with seconds) in TimeZone until Until.
type Schedule struct {
	At       string `json:"at,omitempty"`
	Cron     string `json:"cron,omitempty"`
	TimeZone string `json:"time_zone,omitempty"`
	Until    string `json:"until,omitempty"`
	CatchUp  string `json:"catch_up,omitempty"`
	// LocalTime ("09:00") on Date ("2026-12-01") sends at that time in
	// each recipient's zone (the zone of their number, else
	// promo.default_time_zone): one derived audience and run per zone.
	// (With a cron instead of a date it is named by the contract but not
	// built yet: refused.)
	LocalTime string `json:"local_time,omitempty"`
	Date      string `json:"date,omitempty"`
}

// IsLocal reports whether the schedule sends at each recipient's local time.
func (s *Schedule) IsLocal() bool { return s != nil && (s.LocalTime != "" || s.Date != "") }

// LocalAt is LocalTime on Date in loc (zero when either is absent or
// invalid; Validate first).
func (s *Schedule) LocalAt(loc *time.Location) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, s.Date, loc)
	if err != nil {
		return time.Time{}
	}
	h, m, ok := clock(s.LocalTime)
	if !ok {
		return time.Time{}
	}
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, loc)
}

// clock reads "HH:MM", 00:00 to 23:59.
func clock(v string) (h, m int, ok bool) {
	t, err := time.Parse("15:04", v)
	if err != nil || len(v) != 5 {
		return 0, 0, false
	}
	return t.Hour(), t.Minute(), true
}

// AtTime is the parsed At (zero when absent or invalid; Validate first).
func (s *Schedule) AtTime() time.Time { return parseTime(s.At) }

// UntilTime is the parsed Until (zero when absent or invalid).
func (s *Schedule) UntilTime() time.Time { return parseTime(s.Until) }

func parseTime(v string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}
	}
	return t
}

// MaxAhead is how far ahead schedule.at may be.
const MaxAhead = 366 * 24 * time.Hour

func (p *problems) schedule(path string, s *Schedule) {
	if s == nil {
		return
	}
	if s.At != "" && s.Cron != "" {
		p.add(path, "give either at or cron, not both")
	}
	if s.IsLocal() {
		p.localTime(path, s)
	} else if s.At == "" && s.Cron == "" {
		p.add(path, "at or cron is required (leave schedule out to run now)")
	}
	if s.At != "" && s.AtTime().IsZero() {
		p.add(path+".at", "%q must be an RFC 3339 time like 2026-11-27T09:00:00+02:00", s.At)
	} else if at := s.AtTime(); !at.IsZero() && at.After(time.Now().Add(MaxAhead)) {
		p.add(path+".at", "%q is more than a year ahead; schedule it closer to the day", s.At)
	}
	zone := s.TimeZone
	if zone != "" {
		if _, err := time.LoadLocation(zone); err != nil {
			p.add(path+".time_zone", "%q is not an IANA time zone like Africa/Johannesburg", zone)
			zone = ""
		}
	}
	if s.Cron != "" {
		// The scheduler's own rule (cronspec): what validates here runs there.
		if _, err := cronspec.Parse(s.Cron, zone, time.Now()); err != nil {
			p.add(path+".cron", "%s", strings.TrimPrefix(err.Error(), "cronspec: "))
		}
	}
	if s.Until != "" && s.UntilTime().IsZero() {
		p.add(path+".until", "%q must be an RFC 3339 time", s.Until)
	} else if u := s.UntilTime(); s.Cron != "" && !u.IsZero() && u.Before(time.Now()) {
		p.add(path+".until", "%q is in the past: the schedule would never run", s.Until)
	}
	if s.Cron == "" && (s.TimeZone != "" || s.Until != "" || s.CatchUp != "") {
		p.add(path, "time_zone, until and catch_up only apply to a cron schedule")
	}
	if s.CatchUp != "" && s.CatchUp != CatchUpOnce && s.CatchUp != CatchUpSkip {
		p.add(path+".catch_up", "%q must be %q or %q", s.CatchUp, CatchUpOnce, CatchUpSkip)
	}
}

// localTime checks a local-time schedule: local_time with a date (a cron
// is not built yet).
func (p *problems) localTime(path string, s *Schedule) {
	if s.At != "" {
		p.add(path, "give either at or local_time with date, not both")
	}
	if s.LocalTime == "" {
		p.add(path+".local_time", "is required with date: the time of day in each recipient's zone, like \"09:00\"")
	} else if _, _, ok := clock(s.LocalTime); !ok {
		p.add(path+".local_time", "%q must be HH:MM (24-hour clock, 00:00 to 23:59), like \"09:00\"", s.LocalTime)
	}
	switch {
	case s.Cron != "":
		p.add(path+".local_time", "with cron %s: local-time sends take a date for now (or use cron with time_zone, without local_time)", notBuilt)
	case s.Date == "":
		p.add(path+".date", "is required with local_time: the day to send, like \"2026-12-01\"")
	default:
		d, err := time.Parse(time.DateOnly, s.Date)
		if err != nil {
			p.add(path+".date", "%q must be a date like 2026-12-01 (YYYY-MM-DD)", s.Date)
		} else if d.After(time.Now().Add(MaxAhead)) {
			p.add(path+".date", "%q is more than a year ahead; schedule it closer to the day", s.Date)
		}
	}
}
