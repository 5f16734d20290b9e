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
	// TraceParent is the W3C traceparent of the span that started the run
	// (Schedule fills it from its ctx when empty). It is persisted with the
	// poll plan, so every later poll, on any replica and after restarts,
	// publishes the run's results in that trace.
	TraceParent string `json:"traceparent,omitempty"`
}
