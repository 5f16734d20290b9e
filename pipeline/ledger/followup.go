package ledger

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"

	"github.com/campaignflow/campaignflow/pipeline/ids"
)

// RunEntry is a run whose follow-up (a poll plan) the ledger does not know
// to be stored: recorded done by a version before follow-ups, or pending
// (the follow-up failed and no retry came: a cron tick gives up when the
// next tick is due).
type RunEntry struct {
	Key     string
	PromoID string // "" for a campaign's config job
	// At is when the run started, as early as its poll plan may have counted
	// from: the requested time (a tick, or schedule.at) when the key names
	// one, else when it was recorded done (an immediate run's plan counts
	// from after that).
	At      time.Time
	Outcome Outcome
	// Stale: an intent left behind (no outcome; its claim long expired)
	// whose request is known: Settle reconciles it.
	Stale   bool
	Request *RunRequest
	// Pending: the outcome is known and its follow-up never succeeded.
	Pending  bool
	revision uint64
}

// staleAfter is how long past its claim's end an intent of a scheduled run
// is left to its own retries before the repair scan reconciles it.
const staleAfter = 30 * time.Second

// runKeysFilters are the KV filters of every run key.
var runKeysFilters = []string{"promo.*.run.*", "promo.*.run.*.*", "campaign.*.run.*"}

// UnfollowedRuns lists the done runs whose follow-up is not recorded, and
// the pending ones.
func (l *Ledger) UnfollowedRuns(ctx context.Context) ([]RunEntry, error) {
	runs, err := l.scanRuns(ctx)
	if err != nil {
		return nil, err
	}
	var out []RunEntry
	for _, r := range runs {
		k, rec, rev := r.key, r.rec, r.rev
		unfollowed := rec.State == StateDone && !rec.FollowedUp
		pending := rec.State == StatePending && !rec.ClaimedUntil.After(l.clock.Now())
		if (unfollowed || pending) && rec.Outcome.RunID != "" {
			e := runEntry(k, rec, rev)
			e.Pending = pending
			out = append(out, e)
			continue
		}
		if rec.State == StateIntent && rec.Run != nil && !strings.HasSuffix(k, ".now") &&
			rec.ClaimedUntil.Add(staleAfter).Before(l.clock.Now()) {
			e := runEntry(k, rec, rev)
			e.Stale, e.Request = true, rec.Run
			if !rec.Run.TimeToRun.IsZero() {
				e.At = rec.Run.TimeToRun
			}
			out = append(out, e)
		}
	}
	return out, nil
}

func runEntry(key string, rec Record, rev uint64) RunEntry {
	e := RunEntry{Key: key, Outcome: rec.Outcome, At: rec.DoneAt, revision: rev}
	parts := strings.Split(key, ".")
	if (len(parts) == 4 || len(parts) == 5) && parts[0] == "promo" { // 5: a local-time run's zone
		if id, ok := ids.Untoken(parts[1]); ok {
			e.PromoID = id
		}
	}
	if at, ok := keyTime(key); ok && (len(parts) == 4 || len(parts) == 5) {
		e.At = at
	}
	if e.At.IsZero() {
		e.At = rec.IntentAt
	}
	return e
}

// MarkFollowedUp records that the run's follow-up is now stored, and a
// pending run as done (compare-and-set: a record changed meanwhile is left
// for the next scan).
func (l *Ledger) MarkFollowedUp(ctx context.Context, e RunEntry) error {
	rec, rev, err := l.get(ctx, e.Key)
	if err != nil {
		return err
	}
	if rev != e.revision || rec.FollowedUp {
		return nil
	}
	rec.FollowedUp = true
	if rec.State == StatePending {
		rec.State, rec.DoneAt = StateDone, l.clock.Now()
	}
	if _, err := l.kv.Update(ctx, e.Key, mustJSON(rec), rev); err != nil && !isWrongRevision(err) {
		return fmt.Errorf("ledger: mark %s followed up: %w", e.Key, err)
	}
	return nil
}

// Settle reconciles a stale intent (RunEntry.Stale) against Chat Inc: a run
// found is followed up (onOutcome: its poll plan) and recorded done; when
// there is none the intent is marked abandoned (the call never took effect).
// It never calls Chat Inc to run anything. found says whether a run was found.
func (l *Ledger) Settle(ctx context.Context, c ChatInc, e RunEntry, onOutcome func(context.Context, Outcome) error) (found bool, err error) {
	if !e.Stale || e.Request == nil {
		return false, fmt.Errorf("ledger: %s is not a stale intent", e.Key)
	}
	claim, done, err := l.begin(ctx, e.Key)
	if err != nil {
		return false, err
	}
	if done != nil {
		return true, nil
	}
	req := chatinc.RunCampaignRequest{CampaignID: e.Request.CampaignID, Audiences: e.Request.Audiences, TimeToRun: e.Request.TimeToRun}
	if e.Request.Immediate {
		req.TimeToRun = time.Time{} // its run may be an immediate one: match those too
	}
	out, found, err := l.findRun(ctx, c, e.Key, req, e.Request.TimeToRun, claim.current(), e.Request.MatchAudiences)
	if err != nil {
		if rerr := claim.Release(ctx); rerr != nil {
			l.log.WarnContext(ctx, "ledger: release claim", "key", e.Key, "err", rerr)
		}
		return false, fmt.Errorf("ledger: reconcile %s: %w", e.Key, err)
	}
	if !found {
		rec := claim.current()
		rec.State, rec.ClaimedUntil = StateAbandoned, time.Time{}
		return false, claim.write(ctx, rec, "abandon")
	}
	l.log.InfoContext(ctx, "ledger: settled a run left behind", "key", e.Key, "campaign_id", out.CampaignID, "run_id", out.RunID)
	if onOutcome != nil {
		if err := onOutcome(ctx, out); err != nil {
			if perr := claim.pending(ctx, out); perr != nil {
				l.log.WarnContext(ctx, "ledger: record pending outcome", "key", e.Key, "err", perr)
			}
			return true, err
		}
	}
	return true, claim.done(ctx, out, onOutcome != nil)
}
