package handlers

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/cronspec"
	"github.com/campaignflow/campaignflow/pipeline/events"
)

// LocalRun is the run a local-time promo gets for the recipients in one
// zone (LocalRuns).
type LocalRun struct {
	Zone    string    // IANA name
	Numbers []string  // the numbers of the promo's audiences in Zone
	Due     time.Time // local_time on the date (or the cron's next day) in Zone; zero: no tick ahead
	// Start is the run's time as the handler gives it to the run (and to
	// the frequency cap): Due, or the end of the quiet hours read in Zone
	// (Quiet); a cron tick's run TickRunLead after the tick at the
	// earliest. A Start already past runs at once.
	Start time.Time
	Quiet bool
	Key   string // the run's ledger key: promo.<id>.run.<unix>.<zone>
}

// LocalRuns splits numbers (a local-time promo's audiences' contacts, each
// once) by zone as the handler does, and says per zone when its run is
// due, when it starts and its ledger key: the handler's own rules (zones
// from phonenumbers' data, else WithDefaultTimeZone; quiet hours
// WithQuietHours or the promo's, read in each zone), for promo preview.
// For a cron the run is that of the zone's next tick after the clock's now
// (WithClock). Zones are sorted.
func LocalRuns(ctx context.Context, ev *events.SendPromo, numbers []string, opts ...Option) []LocalRun {
	s := newSettings(opts)
	h := &PromoHandler{quiet: s.quiet, zone: s.zone, clock: s.clock, log: s.log}
	byZone := h.zonesOf(numbers)
	out := make([]LocalRun, 0, len(byZone))
	now := h.clock.Now()
	for _, zone := range slices.Sorted(maps.Keys(byZone)) {
		r := LocalRun{Zone: zone, Numbers: byZone[zone]}
		loc, err := time.LoadLocation(zone)
		if err != nil {
			continue // zonesOf only keeps zones that load
		}
		if !ev.IsCron() {
			r.Due = ev.Schedule.LocalAt(loc)
			r.Key, r.Start = h.zoneRun(ctx, ev, r.Due, loc, false)
			r.Quiet = !r.Start.Equal(r.Due)
			out = append(out, r)
			continue
		}
		// A tick runs a zone where it is local_time on a day of the cron
		// there (runLocalTick): its next fire time read in the zone.
		spec, err := cronspec.Parse(ev.Schedule.Cron, zone, now)
		if err == nil {
			if next := spec.Next(now); !next.IsZero() {
				if u := ev.Schedule.UntilTime(); u.IsZero() || !next.After(u) {
					r.Due = next
					r.Key, r.Start = h.zoneRun(ctx, ev, next, loc, true)
					r.Quiet = !r.Start.Equal(next)
					r.Start = later(r.Start, next.Add(TickRunLead))
				}
			}
		}
		out = append(out, r)
	}
	return out
}
