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
	// LocalTime and Date (a send at each recipient's local time) are named
	// by the contract's second wave and not built yet: refused.
	LocalTime string `json:"local_time,omitempty"`
	Date      string `json:"date,omitempty"`
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
	if s.LocalTime != "" || s.Date != "" {
		p.add(path+".local_time", "%s: local-time sends are not built; use at (RFC 3339 with an offset) or cron with time_zone", notBuilt)
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
