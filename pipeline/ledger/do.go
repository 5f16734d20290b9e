package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
)

// effect is one non-idempotent Chat Inc call and how to find its result
// when the ledger does not know whether it happened.
type effect struct {
	// Call makes the Chat Inc call.
	Call func(ctx context.Context) (Outcome, error)
	// Reconcile looks in Chat Inc for the effect of an earlier call made
	// after rec.IntentAt; found is false when there is none.
	Reconcile func(ctx context.Context, rec Record) (out Outcome, found bool, err error)
	// OnOutcome, if set, stores what must follow a known outcome (a run's
	// poll plan) before the outcome is recorded as done. When it fails the
	// outcome is recorded as pending and the error returned (transient): the
	// next attempt runs OnOutcome again without calling Chat Inc.
	OnOutcome func(ctx context.Context, out Outcome) error
	// Describe, if set, notes the request in the intent (see Record.Run).
	Describe func(rec *Record)
}

// do applies the effect at most once per key: a recorded outcome is
// returned as is; an unfinished intent is reconciled first; an ambiguous
// answer (chatinc.AmbiguousError) is reconciled right away, and when
// nothing is found the error is returned (transient) with the claim kept, so
// the retry reconciles again before calling. While reconciling and calling,
// the claim is renewed (Heartbeat).
func (l *Ledger) do(ctx context.Context, key string, eff effect) (Outcome, error) {
	var describe []func(*Record)
	if eff.Describe != nil {
		describe = append(describe, eff.Describe)
	}
	claim, done, err := l.begin(ctx, key, describe...)
	if err != nil {
		return Outcome{}, err
	}
	if done != nil {
		return *done, nil
	}
	stopBeat := claim.Heartbeat(ctx)
	var once sync.Once
	stop := func() { once.Do(stopBeat) }
	defer stop()
	out, err := l.apply(ctx, claim, eff, stop)
	stop()
	if err != nil {
		return Outcome{}, err
	}
	if eff.OnOutcome != nil {
		if err := eff.OnOutcome(ctx, out); err != nil {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if perr := claim.pending(sctx, out); perr != nil {
				l.log.WarnContext(ctx, "ledger: record pending outcome", "key", key, "err", perr)
			}
			return Outcome{}, fmt.Errorf("ledger: %s: outcome known (campaign %s run %s) but its follow-up failed; the next attempt retries the follow-up only: %w",
				key, out.CampaignID, out.RunID, err)
		}
	}
	return out, claim.done(ctx, out, eff.OnOutcome != nil)
}

// apply finds or makes the effect's outcome under claim. stop ends the
// heartbeat; it is called before any write that settles the claim.
func (l *Ledger) apply(ctx context.Context, claim *entryClaim, eff effect, stop func()) (Outcome, error) {
	key := claim.Key
	if rec := claim.current(); rec.State == StatePending && rec.hasOutcome() {
		return rec.Outcome, nil // the call happened; only the follow-up is left
	}
	if claim.Resumed {
		out, found, err := eff.Reconcile(ctx, claim.current())
		if err != nil {
			return Outcome{}, fmt.Errorf("ledger: reconcile %s: %w", key, err)
		}
		if found {
			l.log.InfoContext(ctx, "ledger: reconciled an earlier call", "key", key, "campaign_id", out.CampaignID, "run_id", out.RunID)
			return out, nil
		}
	}
	out, err := eff.Call(ctx)
	if err == nil {
		return out, nil
	}
	stop()
	// The claim is settled even when ctx has ended (shutdown).
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var amb *chatinc.AmbiguousError
	if !errors.As(err, &amb) {
		if rerr := claim.Release(sctx); rerr != nil {
			l.log.WarnContext(ctx, "ledger: release claim", "key", key, "err", rerr)
		}
		return Outcome{}, err
	}
	if ctx.Err() != nil {
		if rerr := claim.Abandon(sctx, l.abandonAfter); rerr != nil {
			l.log.WarnContext(ctx, "ledger: abandon claim", "key", key, "err", rerr)
		}
		return Outcome{}, fmt.Errorf("ledger: %s: stopped with the call's outcome unknown; the next attempt reconciles after %s: %w", key, l.abandonAfter, err)
	}
	out, found, rerr := eff.Reconcile(ctx, claim.current())
	if rerr != nil || !found {
		return Outcome{}, fmt.Errorf("ledger: %s: outcome unknown and not found in Chat Inc yet (reconcile error: %v); will reconcile again on retry: %w", key, rerr, err)
	}
	l.log.InfoContext(ctx, "ledger: ambiguous call reconciled", "key", key, "campaign_id", out.CampaignID, "run_id", out.RunID)
	return out, nil
}
