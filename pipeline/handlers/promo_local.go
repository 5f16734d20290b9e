package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nyaruka/phonenumbers"

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
	key := ledger.LocalRunKey(ev.PromoID, due, zone)
	runAt := h.startAtIn(ctx, ev, due, loc)
	fixed := func(context.Context, *events.SendPromo) ([]string, error) { return numbers, nil }
	audiences, then, skip, err := h.derivedRun(ctx, ev, key, campaignID, runAt, zone, fixed)
	if err != nil || skip {
		return err
	}
	out, _, started, err := h.runs.at(ctx, key, campaignID, audiences, runAt,
		RunInfo{PromoID: ev.PromoID, CampaignID: campaignID, Title: ev.Title}, then, derivedOpts(then)...)
	if err != nil {
		return fmt.Errorf("zone %s (%s): %w", zone, key, err)
	}
	if started {
		h.log.InfoContext(ctx, "handlers: promo run for a zone", "promo_id", ev.PromoID, "zone", zone, "run_id", out.RunID, "at", out.At)
	}
	return nil
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
