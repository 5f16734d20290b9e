package results

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/ids"
)

// DefaultOffsets are the polls after a run: +1m, +10m, +1h, +6h, +24h, +72h.
var DefaultOffsets = []time.Duration{time.Minute, 10 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour}

// PollKeyPrefix is the jobs-bucket key prefix of poll plans:
// poll.<campaignId>.<runId>.
const PollKeyPrefix = "poll."

func pollKey(campaignID, runID string) string {
	return PollKeyPrefix + ids.Token(campaignID) + "." + ids.Token(runID)
}

// Plan is a run's persisted poll plan (the JSON value of poll.<campaign>.<run>).
// Offsets are stored already divided by the time scale, so a worker that
// restarts with other options continues the plan as it was made.
type Plan struct {
	Run     RunInfo         `json:"run"`
	Offsets []time.Duration `json:"offsets_ns"`
	Next    int             `json:"next"` // index into Offsets of the next poll; poll number = Next+1
	// SnapshotDone is the number of the latest poll whose snapshot is acked,
	// so a poll retried after the stream's duplicate window does not publish
	// its snapshot twice.
	SnapshotDone int `json:"snapshot_done,omitempty"`
	// LastError is the latest failure of the next poll (retried every interval).
	LastError string `json:"last_error,omitempty"`
	// Failures counts the failures of the next poll in a row; RetryAt is
	// when it is tried again (backing off, see retryDelay).
	Failures int       `json:"failures,omitempty"`
	RetryAt  time.Time `json:"retry_at,omitzero"`
}

// goneAfter is how many polls in a row must find the run missing from Chat
// Inc before its plan is dropped.
const goneAfter = 3

// retryDelay is how long after its n-th failure in a row a poll is tried
// again: the poll interval doubled per failure, at most 10 minutes.
func retryDelay(interval time.Duration, n int) time.Duration {
	d := interval
	for i := 1; i < n && d < 10*time.Minute; i++ {
		d *= 2
	}
	return min(d, 10*time.Minute)
}

// Done says whether every poll has been published.
func (p Plan) Done() bool { return p.Next >= len(p.Offsets) }

// Due is when the next poll should run.
func (p Plan) Due() time.Time { return p.Run.At.Add(p.Offsets[p.Next]) }

func decodePlan(key string, b []byte) (Plan, error) {
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("results: poll plan %s: bad JSON: %w", key, err)
	}
	if p.Run.CampaignID == "" || p.Run.RunID == "" {
		return p, fmt.Errorf("results: poll plan %s: campaign_id and run_id are required", key)
	}
	return p, nil
}

// scaleOffsets divides offsets by scale (scale <= 0 means 1).
func scaleOffsets(offsets []time.Duration, scale float64) []time.Duration {
	if scale <= 0 {
		scale = 1
	}
	out := make([]time.Duration, len(offsets))
	for i, o := range offsets {
		out[i] = time.Duration(float64(o) / scale)
	}
	return out
}
