package scheduler

import (
	"encoding/json"
	"fmt"

	"github.com/campaignflow/campaignflow/pipeline/jobs"
)

// PromoKeyPrefix is the jobs-bucket key prefix of stored cron promos.
const PromoKeyPrefix = jobs.PromoKeyPrefix

// promoSpec converts the jobs-bucket entry key/value to a job.
func promoSpec(key string, value []byte, revision uint64) (jobSpec, error) {
	promoID, ok := jobs.PromoIDOf(key)
	if !ok {
		return jobSpec{}, fmt.Errorf("scheduler: jobs key %q is not promo.<promoId>", key)
	}
	var r jobs.Promo
	if err := json.Unmarshal(value, &r); err != nil {
		return jobSpec{}, fmt.Errorf("scheduler: jobs key %q: bad JSON: %w", key, err)
	}
	s := jobSpec{ID: key, Kind: KindPromo, PromoID: promoID, CampaignID: r.CampaignID, CronExpr: r.Cron,
		TimeZone: r.TimeZone, Until: r.Until.Time, CreatedAt: r.CreatedAt.Time, Revision: revision}
	var err error
	if s.CatchUp, err = validCatchUp(r.CatchUp); err != nil {
		return jobSpec{}, fmt.Errorf("scheduler: jobs key %q: %w", key, err)
	}
	return s, nil
}
