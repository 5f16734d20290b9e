package handlers

import (
	"context"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline/caps"
	"github.com/campaignflow/campaignflow/pipeline/e164"
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

// Why a capped run leaves a contact out (CapVerdict).
const (
	LeftOutInvalidNumber = "invalid_number" // not a valid number written in E.164
	LeftOutCapped        = "capped"         // max sends within per already
)

// CapVerdict is why a run of a promo with frequency cap c leaves number
// out, given counts (CapCounts): LeftOutInvalidNumber, LeftOutCapped, or
// "" when it is sent to. The handler's rule, for promo preview too.
func CapVerdict(number string, counts caps.Counts, c *events.FrequencyCap) string {
	switch {
	case !isE164(e164.Mapper{}, number):
		return LeftOutInvalidNumber
	case counts[number] >= c.Max:
		return LeftOutCapped
	}
	return ""
}

// CapCounts is each number's capped sends within the cap's period either
// side of runAt, those of the run runKey itself left out (a retried run
// must not count against itself): what CapVerdict weighs. Reads only.
func CapCounts(ctx context.Context, counter interface {
	Recent(ctx context.Context, since, until time.Time, exceptRun string) (caps.Counts, error)
}, c *events.FrequencyCap, runKey string, runAt time.Time) (caps.Counts, error) {
	per := c.PerDuration()
	return counter.Recent(ctx, runAt.Add(-per), runAt.Add(per), runKey)
}

// MaskValue hides all but the last 3 characters of a phone number, as
// reports and logs show one: "*********567".
func MaskValue(v string) string { return maskValue(v) }
