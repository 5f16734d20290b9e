package results

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Repair stores the poll plan of a run that has none (its plan was lost: a
// store that timed out). It stores nothing when the plan exists, or, unless
// neverStored (the plan is known never to have been stored), when the run's
// last poll is already due (a finished plan is deleted, and re-polling a
// finished run would publish its snapshots again); stored says whether it
// stored one.
func (p *Poller) Repair(ctx context.Context, run RunInfo, neverStored bool) (stored bool, err error) {
	if err := p.open(ctx); err != nil {
		return false, err
	}
	key := pollKey(run.CampaignID, run.RunID)
	if _, err := p.kv.Get(ctx, key); err == nil {
		return false, nil
	} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, fmt.Errorf("results: read poll plan %s: %w", key, err)
	}
	offsets := scaleOffsets(p.opt.offsets, p.opt.timeScale)
	if !neverStored && !run.At.Add(offsets[len(offsets)-1]).After(p.opt.clock.Now()) {
		return false, nil
	}
	if err := p.Schedule(ctx, run); err != nil {
		return false, err
	}
	p.opt.log.Warn("results: repaired a run without a poll plan", "campaign_id", run.CampaignID, "run_id", run.RunID, "at", run.At)
	return true, nil
}
