package handlers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/campaignflow/campaignflow/pipeline/cronspec"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
)

// runLocal sends a local-time promo (schedule.local_time on
// schedule.date): its audiences' contacts are grouped by the zone of their
// number, and each zone gets its own derived audience and its own run at
// local_time there (moved out of the promo's quiet hours read in that
// zone; a frequency cap applies per run), keyed promo.<id>.run.<unix>.<zone>
// in the ledger. A zone that fails does not stop the others; the error
// makes the event come back, and the zones done are not sent again.
func (h *PromoHandler) runLocal(ctx context.Context, ev *events.SendPromo, campaignID string) error {
	numbers, err := h.audienceNumbers(ctx, ev)
	if err != nil {
		return err
	}
	byZone := h.zonesOf(numbers)
	zones := make([]string, 0, len(byZone))
	for z := range byZone {
		zones = append(zones, z)
	}
	slices.Sort(zones)
	var errs []error
	for _, zone := range zones {
		if err := h.runZone(ctx, ev, campaignID, zone, byZone[zone]); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return classify(fmt.Errorf("handlers: send-promo: local-time promo %s: %d of %d zone(s) failed: %w", ev.PromoID, len(errs), len(zones), errors.Join(errs...)))
	}
	h.log.InfoContext(ctx, "handlers: local-time promo scheduled in every recipient zone", "promo_id", ev.PromoID,
		"zones", len(zones), "contacts", len(numbers), "local_time", ev.Schedule.LocalTime, "date", ev.Schedule.Date)
	return nil
}

// runZone makes the run of one zone once.
func (h *PromoHandler) runZone(ctx context.Context, ev *events.SendPromo, campaignID, zone string, numbers []string) error {
	loc, err := time.LoadLocation(zone)
	if err != nil { // zonesOf only keeps zones that load
		return permanent(fmt.Errorf("handlers: send-promo: zone %s: %w", zone, err))
	}
	due := ev.Schedule.LocalAt(loc)
	key, runAt := h.zoneRun(ctx, ev, due, loc, false)
	fixed := func(context.Context, *events.SendPromo) ([]string, error) { return numbers, nil }
	audiences, then, done, skip, err := h.derivedRun(ctx, ev, key, campaignID, runAt, zone, fixed)
	if err != nil || skip {
		return err
	}
	out, _, started, err := h.runs.at(ctx, key, campaignID, audiences, runAt,
		RunInfo{PromoID: ev.PromoID, CampaignID: campaignID, Title: ev.Title}, then, derivedOpts(then)...)
	done(ctx)
	if err != nil {
		return fmt.Errorf("zone %s (%s): %w", zone, key, err)
	}
	if started {
		h.log.InfoContext(ctx, "handlers: promo run for a zone", "promo_id", ev.PromoID, "zone", zone, "run_id", out.RunID, "at", out.At)
	}
	return nil
}

// zoneRun is the ledger key and start of a local-time promo's run due at
// due for the recipients in loc: promo.<id>.run.<unix>.<zone>, starting
// at due or at the end of the promo's quiet hours read in loc. A cron
// tick's run moved past TickRunLead is keyed by its start (one run per
// quiet window).
func (h *PromoHandler) zoneRun(ctx context.Context, ev *events.SendPromo, due time.Time, loc *time.Location, tick bool) (key string, runAt time.Time) {
	key = ledger.LocalRunKey(ev.PromoID, due, loc.String())
	runAt = h.startAtIn(ctx, ev, due, loc)
	if tick && runAt.After(due.Add(TickRunLead)) {
		key = ledger.LocalRunKey(ev.PromoID, runAt, loc.String())
	}
	return key, runAt
}

// zonesOf groups numbers by the IANA zone of each, from phonenumbers'
// time-zone data (the first zone of the number's prefix when it names
// several), else promo.default_time_zone (WithDefaultTimeZone): numbers
// it cannot read, or whose zone is unknown or not in this system's zone
// database. (The run leaves invalid numbers out and counts them.)
func (h *PromoHandler) zonesOf(numbers []string) map[string][]string {
	fallback := h.zone.String()
	out := map[string][]string{}
	known := map[string]bool{fallback: true}
	for _, n := range numbers {
		zone := fallback
		if pn, err := phonenumbers.Parse(n, ""); err == nil {
			if zs, err := phonenumbers.GetTimezonesForNumber(pn); err == nil && len(zs) > 0 && zs[0] != phonenumbers.UNKNOWN_TIMEZONE {
				ok, seen := known[zs[0]]
				if !seen {
					_, err := time.LoadLocation(zs[0])
					ok = err == nil
					known[zs[0]] = ok
				}
				if ok {
					zone = zs[0]
				}
			}
		}
		out[zone] = append(out[zone], n)
	}
	return out
}

// localDriverCron is the UTC cron on which the scheduler ticks for a
// local-time cron promo at localTime ("09:00"): at its minute and a
// quarter, half and three quarters past it, every hour, since zones are
// offset from UTC by whole hours, or by half or three quarters of one.
func localDriverCron(localTime string) string {
	m := 0
	if len(localTime) == 5 {
		m = int(localTime[3]-'0')*10 + int(localTime[4]-'0')
	}
	mins := []int{m % 60, (m + 15) % 60, (m + 30) % 60, (m + 45) % 60}
	slices.Sort(mins)
	return fmt.Sprintf("%d,%d,%d,%d * * * *", mins[0], mins[1], mins[2], mins[3])
}

// runLocalTick runs a local-time cron promo for the tick at: in each zone
// of its recipients where it is local_time at that instant on a day the
// cron fires (read in that zone), one run to that zone's derived audience,
// keyed promo.<id>.run.<unix>.<zone> (by the end of quiet hours when they
// move it); nothing in the other zones. The first zone's run is returned.
func (h *PromoHandler) runLocalTick(ctx context.Context, ev *events.SendPromo, campaignID string, at time.Time) (RunInfo, error) {
	info := RunInfo{PromoID: ev.PromoID, CampaignID: campaignID, Title: ev.Title}
	if !anyOffsetDue(at, ev.Schedule.Cron) {
		return info, nil // local_time is on none of the cron's days anywhere at this tick: nothing read
	}
	numbers, err := h.audienceNumbers(ctx, ev)
	if err != nil {
		return RunInfo{}, err
	}
	byZone := h.zonesOf(numbers)
	var errs []error
	first := true
	for _, zone := range slices.Sorted(maps.Keys(byZone)) {
		spec, err := cronspec.Parse(ev.Schedule.Cron, zone, at.Add(-time.Minute))
		if err != nil || !spec.Next(at.Add(-time.Second)).Equal(at) {
			continue // not local_time on a day of the cron there
		}
		key, runAt := h.zoneRun(ctx, ev, at, spec.Location(), true)
		fixed := func(context.Context, *events.SendPromo) ([]string, error) { return byZone[zone], nil }
		audiences, then, done, skip, err := h.derivedRun(ctx, ev, key, campaignID, later(runAt, at.Add(TickRunLead)), zone, fixed)
		if err != nil {
			errs = append(errs, fmt.Errorf("zone %s: %w", zone, err))
			continue
		}
		if skip {
			continue
		}
		ran, err := h.runs.tick(ctx, key, campaignID, audiences, at, runAt, info, then, derivedOpts(then)...)
		done(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("zone %s (%s): %w", zone, key, err))
			continue
		}
		if first {
			info, first = ran, false
		}
	}
	if len(errs) > 0 {
		return RunInfo{}, classify(fmt.Errorf("handlers: scheduled local-time run of promo %s at %s: %w", ev.PromoID, at.UTC().Format(time.RFC3339), errors.Join(errs...)))
	}
	return info, nil
}

// anyOffsetDue says whether at is a fire time of cron at some UTC offset
// from -12:00 to +14:00 (in quarter hours): the wall time at that offset,
// read as UTC. When it is nowhere, no zone can be due and the audience is
// not read.
func anyOffsetDue(at time.Time, cron string) bool {
	spec, err := cronspec.Parse(cron, "UTC", at.Add(-48*time.Hour))
	if err != nil {
		return true // let the zones' own parse decide
	}
	for o := -12 * time.Hour; o <= 14*time.Hour; o += 15 * time.Minute {
		wall := at.Add(o).UTC()
		if spec.Next(wall.Add(-time.Second)).Equal(wall) {
			return true
		}
	}
	return false
}
