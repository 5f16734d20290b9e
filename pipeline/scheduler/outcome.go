package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/results"
)

// Outcome is what happened to one tick of one job. It is stored as the job's
// last outcome (outcome.<job> in the leases bucket), logged, and passed to
// the observer; a failed tick is never silently lost.
type Outcome struct {
	JobID       string          `json:"job_id"`
	ScheduledAt time.Time       `json:"scheduled_at"`
	FinishedAt  time.Time       `json:"finished_at"`
	Replica     string          `json:"replica"`
	CatchUp     bool            `json:"catch_up,omitempty"`
	Run         results.RunInfo `json:"run"`
	Error       string          `json:"error,omitempty"`
	Err         error           `json:"-"`
}

// OK says whether the tick ran without error.
func (o Outcome) OK() bool { return o.Err == nil && o.Error == "" }

func writeOutcome(ctx context.Context, kv jetstream.KeyValue, o Outcome) error {
	b, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("scheduler: encode outcome of %s: %w", o.JobID, err)
	}
	if _, err := kv.Put(ctx, outcomeKey(o.JobID), b); err != nil {
		return fmt.Errorf("scheduler: store outcome of %s in KV %s: %w", o.JobID, kv.Bucket(), err)
	}
	return nil
}

// readOutcome returns the last stored outcome of a job (false if none).
func readOutcome(ctx context.Context, kv jetstream.KeyValue, jobID string) (Outcome, bool, error) {
	e, err := kv.Get(ctx, outcomeKey(jobID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Outcome{}, false, nil
	}
	if err != nil {
		return Outcome{}, false, fmt.Errorf("scheduler: read %s in KV %s: %w", outcomeKey(jobID), kv.Bucket(), err)
	}
	var o Outcome
	if err := json.Unmarshal(e.Value(), &o); err != nil {
		return Outcome{}, false, fmt.Errorf("scheduler: %s in KV %s: bad JSON: %w", outcomeKey(jobID), kv.Bucket(), err)
	}
	return o, true, nil
}
