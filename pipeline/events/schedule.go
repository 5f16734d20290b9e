package events

import (
	"errors"
	"fmt"
	"strconv"
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
	// LocalTime ("09:00") on Date ("2026-12-01"), or on the days of Cron
	// (whose minute and hour say LocalTime: "0 9 * * FRI"), sends at that
	// time in each recipient's zone (the zone of their number, else
	// promo.default_time_zone): one derived audience and run per zone.
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
		if _, err := cronspec.Zone(zone); errors.Is(err, cronspec.ErrLocalZone) {
			p.add(path+".time_zone", "%v", err)
			zone = ""
		} else if err != nil {
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
		if s.Date != "" {
			p.add(path, "give local_time with either date or cron, not both")
		}
		if s.TimeZone != "" {
			p.add(path+".time_zone", "does not apply with local_time: the cron is read in each recipient's zone")
		}
		if h, m, ok := clock(s.LocalTime); ok {
			if err := localCronMatches(s.Cron, h, m); err != "" {
				p.add(path+".cron", "%s", err)
			}
		}
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

// localCronMatches says what is wrong ("" for nothing) with cron as the
// days of a local-time send at h:m: five fields (or six with seconds 0)
// whose minute and hour are h:m's, so that the cron, read in each
// recipient's zone, fires at local_time.
func localCronMatches(cron string, h, m int) string {
	f := strings.Fields(cron)
	if len(f) == 6 {
		if f[0] != "0" {
			return fmt.Sprintf("%q: with local_time the seconds field must be 0", cron)
		}
		f = f[1:]
	}
	want := fmt.Sprintf("%d %d", m, h)
	if len(f) != 5 {
		return fmt.Sprintf("%q: with local_time give five fields whose minute and hour are local_time's (%q, then the days)", cron, want+" * * FRI")
	}
	mm, err1 := strconv.Atoi(f[0])
	hh, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || mm != m || hh != h {
		return fmt.Sprintf("%q: its minute and hour must be local_time's (%q); its other fields give the days, read in each recipient's zone", cron, want)
	}
	return ""
}

// IsLocalCron reports whether the schedule sends at local_time on the days
// of a cron, in each recipient's zone.
func (s *Schedule) IsLocalCron() bool { return s.IsLocal() && s.Cron != "" }
