package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
)

// Effect is one non-idempotent Chat Inc call and how to find its result
// when the ledger does not know whether it happened.
type Effect struct {
	// Call makes the Chat Inc call.
	Call func(ctx context.Context) (Outcome, error)
	// Reconcile looks in Chat Inc for the effect of an earlier call made
	// after rec.IntentAt; found is false when there is none.
	Reconcile func(ctx context.Context, rec Record) (out Outcome, found bool, err error)
}

// Do applies the effect at most once per key: a recorded outcome is
// returned as is; an unfinished intent is reconciled first; an ambiguous
// answer (chatinc.AmbiguousError) is reconciled right away, and when
// nothing is found the error is returned (transient) with the claim kept, so
// the retry reconciles again before calling.
func (l *Ledger) Do(ctx context.Context, key string, eff Effect) (Outcome, error) {
	claim, done, err := l.Begin(ctx, key)
	if err != nil {
		return Outcome{}, err
	}
	if done != nil {
		return *done, nil
	}
	if claim.Resumed {
		out, found, err := eff.Reconcile(ctx, claim.Record)
		if err != nil {
			return Outcome{}, fmt.Errorf("ledger: reconcile %s: %w", key, err)
		}
		if found {
			l.log.InfoContext(ctx, "ledger: reconciled an earlier call", "key", key, "campaign_id", out.CampaignID, "run_id", out.RunID)
			return out, claim.Done(ctx, out)
		}
	}
	out, err := eff.Call(ctx)
	if err != nil {
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
		found, rerr := false, error(nil)
		out, found, rerr = eff.Reconcile(ctx, claim.Record)
		if rerr != nil || !found {
			return Outcome{}, fmt.Errorf("ledger: %s: outcome unknown and not found in Chat Inc yet (reconcile error: %v); will reconcile again on retry: %w", key, rerr, err)
		}
		l.log.InfoContext(ctx, "ledger: ambiguous call reconciled", "key", key, "campaign_id", out.CampaignID, "run_id", out.RunID)
	}
	return out, claim.Done(ctx, out)
}
