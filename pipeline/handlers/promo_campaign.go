package handlers

import (
	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline/events"
)

// CampaignRequest is the campaign a send-promo creates at Chat Inc, as
// the handler sends it (a MARKETING template in the promo's language, enUS
// when it names none, not run): what `campaignflow promo preview` shows.
func CampaignRequest(ev *events.SendPromo) chatinc.CreateCampaignRequest { return campaignRequest(ev) }

// MaskValue hides all but the last 3 characters of a phone number, as
// reports and logs show one: "*********567".
func MaskValue(v string) string { return maskValue(v) }
