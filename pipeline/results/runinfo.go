package results

import "time"

// RunInfo identifies one campaign run that results are polled for. The
// pipeline's promo handler returns it after starting a run (pipeline.RunInfo
// is meant to be an alias of this type) and the scheduler hands it on.
type RunInfo struct {
	PromoID    string    `json:"promo_id,omitempty"`
	CampaignID string    `json:"campaign_id"`
	RunID      string    `json:"run_id"`
	Title      string    `json:"title,omitempty"`
	At         time.Time `json:"at"` // when the run started (or was scheduled to start)
}
