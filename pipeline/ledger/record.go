package ledger

import "time"

// Record states.
const (
	StateIntent = "intent" // the call may have been made; outcome unknown
	StateDone   = "done"   // the outcome is recorded
)

// Outcome is what an effect produced.
type Outcome struct {
	CampaignID string    `json:"campaign_id,omitempty"`
	RunID      string    `json:"run_id,omitempty"`
	At         time.Time `json:"at,omitzero"` // when the run runs (or ran)
}

// Record is the JSON value under a ledger key.
type Record struct {
	State        string    `json:"state"`
	IntentAt     time.Time `json:"intent_at"`              // first intent; reconcile looks for effects after it
	ClaimedUntil time.Time `json:"claimed_until,omitzero"` // a worker is calling Chat Inc until then
	Attempts     int       `json:"attempts"`
	Outcome      Outcome   `json:"outcome,omitzero"`
	DoneAt       time.Time `json:"done_at,omitzero"`
}
