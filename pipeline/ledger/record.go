package ledger

import "time"

// Record states.
const (
	StateIntent = "intent" // the call may have been made; outcome unknown
	// StatePending: the outcome is known (recorded here) but its follow-up
	// (effect.OnOutcome: a run's poll plan) is not stored yet; the next
	// attempt stores it and records done, without calling Chat Inc again.
	StatePending = "pending"
	StateDone    = "done" // the outcome is recorded (and followed up)
	// StateAbandoned: a scheduled run's intent that nobody finished; the
	// repair scan found no run for it at Chat Inc (the call never took
	// effect). A later attempt starts it again like an intent.
	StateAbandoned = "abandoned"
)

// RunRequest is what a run's intent asked Chat Inc for, so that an intent
// left behind (its tick gave up) can be reconciled without the event.
type RunRequest struct {
	CampaignID string    `json:"campaign_id"`
	Audiences  []string  `json:"audiences,omitempty"`
	TimeToRun  time.Time `json:"time_to_run,omitzero"` // the tag its run carries (MatchTimeToRun)
	Immediate  bool      `json:"immediate,omitempty"`  // an attempt asked to run now (untagged)
	// MatchAudiences: only a run to exactly Audiences is this one (see
	// MatchAudiences).
	MatchAudiences bool `json:"match_audiences,omitempty"`
}

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
	// Owner names the worker holding the claim (informational: logs, the
	// ledger CLI); HeartbeatAt is when it last renewed the claim.
	Owner       string    `json:"owner,omitempty"`
	HeartbeatAt time.Time `json:"heartbeat_at,omitzero"`
	// FollowedUp says the outcome was handed to the effect's OnOutcome
	// before done was recorded (a run's poll plan is stored). Done records
	// without it come from older versions or from effects without one; the
	// results poller's repair scan looks at those.
	FollowedUp bool `json:"followed_up,omitempty"`
	// Run is the run's request (run keys only).
	Run *RunRequest `json:"run,omitempty"`
}

// hasOutcome says whether the record holds a known outcome (done or pending).
func (r Record) hasOutcome() bool { return r.Outcome.CampaignID != "" || r.Outcome.RunID != "" }
