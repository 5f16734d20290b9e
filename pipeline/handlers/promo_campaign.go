package handlers

import (
	"context"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/quiethours"
)

// CampaignRequest is the campaign a send-promo creates at Chat Inc, as
// the handler sends it (a MARKETING template in the promo's language, enUS
// when it names none, not run): what `campaignflow promo preview` shows.
func CampaignRequest(ev *events.SendPromo) chatinc.CreateCampaignRequest { return campaignRequest(ev) }

// PromoStart is when the handler starts a promo's run due at due (zero:
// now; a cron tick's time for a cron promo), with the quiet hours and zone
// it applies: due, or the end of the promo's quiet hours when the run would
// start inside them. Options read, as by NewPromoHandler: WithQuietHours,
// WithDefaultTimeZone, WithClock. For `campaignflow promo preview`.
func PromoStart(ctx context.Context, ev *events.SendPromo, due time.Time, opts ...Option) (start time.Time, quiet quiethours.Window, zone *time.Location) {
	s := newSettings(opts)
	h := &PromoHandler{quiet: s.quiet, zone: s.zone, clock: s.clock, log: s.log}
	return h.startAt(ctx, ev, due), h.quietHours(ev), h.quietZone(ev)
}

// MaskValue hides all but the last 3 characters of a phone number, as
// reports and logs show one: "*********567".
func MaskValue(v string) string { return maskValue(v) }
