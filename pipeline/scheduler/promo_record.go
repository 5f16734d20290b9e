package scheduler

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/ids"
)

// PromoKeyPrefix is the jobs-bucket key prefix of cron promos stored by the
// send-promo handler: "promo.<promoId>".
const PromoKeyPrefix = "promo."

// PromoRecord is the JSON value the send-promo handler stores under
// promo.<promoId> in the jobs bucket.
type PromoRecord struct {
	Promo      json.RawMessage `json:"promo"` // the send-promo event body
	CampaignID string          `json:"campaign_id,omitempty"`
	Cron       string          `json:"cron"`
	TimeZone   string          `json:"time_zone,omitempty"`
	Until      flexTime        `json:"until,omitempty"`
	CatchUp    string          `json:"catch_up,omitempty"`
	CreatedAt  flexTime        `json:"created_at,omitempty"`
}

// flexTime accepts RFC 3339 strings, unix seconds, or empty/null.
type flexTime struct{ time.Time }

func (f *flexTime) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" || s == `""` || s == "0" {
		f.Time = time.Time{}
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		t, err := time.Parse(time.RFC3339Nano, str)
		if err != nil {
			return fmt.Errorf("time %q: want RFC 3339", str)
		}
		f.Time = t
		return nil
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("time %s: want RFC 3339 or unix seconds", s)
	}
	f.Time = time.Unix(0, int64(n*1e9)).UTC()
	return nil
}

func (f flexTime) MarshalJSON() ([]byte, error) {
	if f.IsZero() {
		return []byte(`""`), nil
	}
	return json.Marshal(f.Format(time.RFC3339Nano))
}

// promoSpec converts the jobs-bucket entry key/value to a job.
func promoSpec(key string, value []byte, revision uint64) (jobSpec, error) {
	promoID, ok := ids.Untoken(strings.TrimPrefix(key, PromoKeyPrefix))
	if !ok || promoID == "" || !strings.HasPrefix(key, PromoKeyPrefix) {
		return jobSpec{}, fmt.Errorf("scheduler: jobs key %q is not promo.<promoId>", key)
	}
	var r PromoRecord
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
