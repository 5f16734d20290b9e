package jobs

import (
	"encoding/json"
	"strings"

	"github.com/campaignflow/campaignflow/pipeline/ids"
)

// Bucket is the default jobs KV bucket (sources.Names.JobsBucket).
const Bucket = "campaignflow_jobs"

// PromoKeyPrefix is the key prefix of stored cron promos: promo.<promoId>.
const PromoKeyPrefix = "promo."

// PromoKey is the key of a promo's cron record (the id encoded as one KV
// token, see ids.Token).
func PromoKey(promoID string) string { return PromoKeyPrefix + ids.Token(promoID) }

// PromoIDOf is the promo id of a PromoKey; false for any other key.
func PromoIDOf(key string) (string, bool) {
	tok, ok := strings.CutPrefix(key, PromoKeyPrefix)
	if !ok || tok == "" {
		return "", false
	}
	id, ok := ids.Untoken(tok)
	return id, ok && id != ""
}

// Promo is the JSON value stored under PromoKey: a send-promo with a cron
// schedule, with the campaign created for it.
type Promo struct {
	Promo      json.RawMessage `json:"promo"` // the send-promo event body
	CampaignID string          `json:"campaign_id,omitempty"`
	Cron       string          `json:"cron"`
	TimeZone   string          `json:"time_zone,omitempty"`
	Until      Time            `json:"until,omitempty"`
	CatchUp    string          `json:"catch_up,omitempty"`
	CreatedAt  Time            `json:"created_at,omitempty"`
}
