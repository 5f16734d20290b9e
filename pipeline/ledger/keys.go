package ledger

import (
	"strconv"
	"strings"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/ids"
)

// CampaignKey is the ledger key of a promo's campaign.
func CampaignKey(promoID string) string { return "promo." + ids.Token(promoID) + ".campaign" }

// RunKey is the ledger key of a promo's run at a time: "now" for an
// immediate run (zero at), else the unix seconds of the requested time.
func RunKey(promoID string, at time.Time) string {
	if at.IsZero() {
		return "promo." + ids.Token(promoID) + ".run.now"
	}
	return "promo." + ids.Token(promoID) + ".run." + strconv.FormatInt(at.Unix(), 10)
}

// LocalRunKey is the ledger key of a local-time promo's run for the
// recipients in one zone: promo.<id>.run.<unix>.<zone>, the unix seconds
// of the local time in that zone and the zone's IANA name as one token
// ("Africa/Johannesburg" stays as it is; see ids.Token).
func LocalRunKey(promoID string, at time.Time, zone string) string {
	return RunKey(promoID, at) + "." + ids.Token(zone)
}

// CampaignRunKey is the ledger key of a run of a campaign named directly
// (a config job) at a time.
func CampaignRunKey(campaignID string, at time.Time) string {
	return "campaign." + ids.Token(campaignID) + ".run." + strconv.FormatInt(at.Unix(), 10)
}

// siblingsFilter is the KV filter of the keys next to key: "a.b.run.*".
func siblingsFilter(key string) string {
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		return key[:i] + ".*"
	}
	return key
}

const campaignKeysFilter = "promo.*.campaign"
