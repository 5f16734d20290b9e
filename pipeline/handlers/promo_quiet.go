package handlers

import (
	"context"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/quiethours"
)

// quietHours is the window a promo's runs keep out of: its own
// quiet_hours, else the configured default (WithQuietHours). "00:00-00:00"
// on the promo turns a default off. A window that does not parse is no
// window (events are validated before they get here).
func (h *PromoHandler) quietHours(ev *events.SendPromo) quiethours.Window {
	if ev.QuietHours == "" {
		return h.quiet
	}
	w, _ := quiethours.Parse(ev.QuietHours)
	return w
}

// quietZone is the zone in which a promo's quiet hours are read when it is
// not sent at each recipient's local time: a cron promo's time_zone (the
// zone its sender thinks in), else promo.default_time_zone
// (WithDefaultTimeZone; UTC when unset).
func (h *PromoHandler) quietZone(ev *events.SendPromo) *time.Location {
	if ev.Schedule != nil && ev.Schedule.TimeZone != "" {
		if loc, err := time.LoadLocation(ev.Schedule.TimeZone); err == nil {
			return loc
		}
	}
	return h.zone
}

// startAt is when a run due at due (zero: now) starts: due, or the end of
// the promo's quiet hours when it would start inside them (a due time
// already past starts now, so now is what is checked).
func (h *PromoHandler) startAt(ctx context.Context, ev *events.SendPromo, due time.Time) time.Time {
	return h.startAtIn(ctx, ev, due, h.quietZone(ev))
}

// startAtIn is startAt with the quiet hours read in loc (a local-time
// promo's run for the recipients in loc).
func (h *PromoHandler) startAtIn(ctx context.Context, ev *events.SendPromo, due time.Time, loc *time.Location) time.Time {
	w := h.quietHours(ev)
	if w.IsZero() {
		return due
	}
	t := due
	if now := h.clock.Now(); t.Before(now) {
		t = now
	}
	moved := w.Next(t, loc)
	if moved.Equal(t) {
		return due
	}
	h.log.InfoContext(ctx, "handlers: promo run falls in quiet hours; it starts at their end",
		"promo_id", ev.PromoID, "quiet_hours", w.String(), "zone", loc.String(),
		"due", t.UTC().Format(time.RFC3339), "starts", moved.UTC().Format(time.RFC3339))
	return moved
}
