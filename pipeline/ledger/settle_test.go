package ledger

import (
	"context"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
)

// TestSettleStaleTickIntents: two ticks' workers died after recording the
// intent; one's scheduled run reached Chat Inc, the other's did not. Long
// after, the repair scan lists both as stale; settling finds the first's
// run by its timeToRun (followed up, done) and marks the second abandoned,
// without calling Chat Inc to run anything.
func TestSettleStaleTickIntents(t *testing.T) {
	e := newSimEnv(t)
	ctx := context.Background()
	id := e.createAndApprove(t, ctx, "st")
	tick1 := e.sb.Now().Truncate(time.Second).Add(time.Second)
	tick2 := tick1.Add(time.Second)
	for _, tick := range []time.Time{tick1, tick2} {
		tag := tick.Add(2 * time.Second)
		req := chatinc.RunCampaignRequest{CampaignID: id, Audiences: []string{"all"}, TimeToRun: tag}
		if _, _, err := e.ledger.begin(ctx, RunKey("st", tick), func(r *Record) {
			r.Run = &RunRequest{CampaignID: id, Audiences: req.Audiences, TimeToRun: tag}
		}); err != nil {
			t.Fatal(err)
		}
		if tick == tick1 {
			if _, err := e.client.RunCampaign(ctx, req); err != nil {
				t.Fatal(err)
			}
		}
	}
	if runs, _ := e.ledger.UnfollowedRuns(ctx); len(runs) != 0 {
		t.Fatalf("fresh intents listed as stale: %+v", runs)
	}
	e.sb.Advance(DefaultClaimTTL + staleAfter + time.Second)
	runs, err := e.ledger.UnfollowedRuns(ctx)
	if err != nil || len(runs) != 2 {
		t.Fatalf("stale intents: %+v, %v", runs, err)
	}
	var followed []Outcome
	for _, r := range runs {
		found, err := e.ledger.Settle(ctx, e.client, r, func(_ context.Context, out Outcome) error { followed = append(followed, out); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if want := r.Key == RunKey("st", tick1); found != want {
			t.Errorf("%s: found %v, want %v", r.Key, found, want)
		}
	}
	r1, _, _ := e.ledger.Get(ctx, RunKey("st", tick1))
	r2, _, _ := e.ledger.Get(ctx, RunKey("st", tick2))
	if r1.State != StateDone || !r1.FollowedUp || len(followed) != 1 || followed[0].RunID != r1.Outcome.RunID || r2.State != StateAbandoned {
		t.Fatalf("after settling: %+v / %+v, followed %+v", r1, r2, followed)
	}
	if n := e.sb.RequestCount("/v1/run/campaign"); n != 1 {
		t.Fatalf("run called %d times, want 1 (settling never runs anything)", n)
	}
	if runs, _ := e.ledger.UnfollowedRuns(ctx); len(runs) != 0 {
		t.Fatalf("listed again after settling: %+v", runs)
	}
}
