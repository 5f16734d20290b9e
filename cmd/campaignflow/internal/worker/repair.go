package worker

import (
	"context"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/ledger"
	"github.com/campaignflow/campaignflow/pipeline/results"
)

// repairPlans finds, while this replica leads, runs the ledger recorded
// done without a poll plan (older versions stored the plan after done, and
// lost it when that store failed) and stores their plans: a first pass as
// soon as this replica leads after start, then every results.repair_interval.
func (w *Worker) repairPlans(ctx context.Context) error {
	first := true
	wait := time.Second
	var pruned time.Time
	for {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		if !w.elector.Leading(ctx) {
			if first {
				continue // look again in a second
			}
			wait = w.cfg.Results.RepairInterval
			continue
		}
		w.repairOnce(ctx)
		if ret := w.cfg.Promo.TickRetention; ret > 0 && time.Since(pruned) >= pruneEvery {
			w.pruneTicks(ctx, ret)
			pruned = time.Now()
		}
		first, wait = false, w.cfg.Results.RepairInterval
	}
}

// pruneEvery is how often the leader removes old tick records.
const pruneEvery = time.Hour

// pruneTicks removes the ledger records of cron ticks older than retention
// (promo.tick_retention).
func (w *Worker) pruneTicks(ctx context.Context, retention time.Duration) {
	n, err := w.ledger.PruneTicks(ctx, time.Now().Add(-retention))
	if err != nil && ctx.Err() == nil {
		w.log.Warn("ledger: pruning old tick records failed; retried within the hour", "err", err)
	}
	if n > 0 {
		w.log.Info("ledger: old tick records removed", "records", n, "older_than", retention)
	}
}

// repairOnce is one scan; it returns how many plans it stored.
func (w *Worker) repairOnce(ctx context.Context) int {
	runs, err := w.ledger.UnfollowedRuns(ctx)
	if err != nil && ctx.Err() == nil {
		w.log.Warn("results: poll plan repair scan failed; retried next interval", "err", err)
	}
	stored := 0
	for _, r := range runs {
		if r.Stale {
			found, err := w.ledger.Settle(ctx, w.client, r, func(ctx context.Context, out ledger.Outcome) error {
				r.Outcome = out
				_, err := w.poller.Repair(ctx, planOf(r), true)
				return err
			})
			if err != nil {
				w.log.Warn("results: could not settle a run left behind; retried next interval", "key", r.Key, "err", err)
			} else if found {
				stored++
			}
			continue
		}
		ok, err := w.poller.Repair(ctx, planOf(r), r.Pending)
		if err != nil {
			w.log.Warn("results: could not repair a run's poll plan; retried next interval", "key", r.Key, "err", err)
			continue
		}
		if ok {
			stored++
		}
		if err := w.ledger.MarkFollowedUp(ctx, r); err != nil {
			w.log.Warn("results: could not mark a repaired run", "key", r.Key, "err", err)
		}
	}
	if stored > 0 {
		w.log.Warn("results: poll plan repair stored missing plans", "plans", stored, "scanned", len(runs))
	}
	return stored
}

func planOf(r ledger.RunEntry) results.RunInfo {
	return results.RunInfo{PromoID: r.PromoID, CampaignID: r.Outcome.CampaignID, RunID: r.Outcome.RunID, At: r.At}
}
