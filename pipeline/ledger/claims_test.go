package ledger

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

// TestHeartbeatKeepsLiveClaimAndDeadClaimExpires: a call in flight for
// several claim TTLs keeps its claim (others get ErrBusy naming the owner);
// a holder that dies without renewing loses it within the TTL, and the next
// attempt reconciles the run the dead holder made.
func TestHeartbeatKeepsLiveClaimAndDeadClaimExpires(t *testing.T) {
	const ttl = 600 * time.Millisecond
	e := newEnv(t, WithClaimTTL(ttl), WithHeartbeat(100*time.Millisecond), WithOwner("w1"))
	ctx := context.Background()
	id := e.createAndApprove(t, ctx, "hb")
	req := chatinc.RunCampaignRequest{CampaignID: id, Audiences: []string{"all"}}

	release := make(chan struct{})
	called := make(chan struct{})
	done := make(chan error, 1)
	key := RunKey("hb", time.Unix(1_800_000_000, 0))
	go func() {
		_, err := e.ledger.do(ctx, key, effect{
			Call: func(ctx context.Context) (Outcome, error) {
				close(called)
				<-release // a slow Chat Inc call
				r, err := e.client.RunCampaign(ctx, req)
				if err != nil {
					return Outcome{}, err
				}
				return Outcome{CampaignID: id, RunID: r.RunID}, nil
			},
			Reconcile: func(context.Context, Record) (Outcome, bool, error) { return Outcome{}, false, nil },
		})
		done <- err
	}()
	<-called
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) {
		rec, _, err := e.ledger.Get(ctx, key)
		return err == nil && rec.HeartbeatAt.Sub(rec.IntentAt) > 3*ttl, fmt.Sprintf("heartbeat %s after intent (err %v)", rec.HeartbeatAt.Sub(rec.IntentAt), err)
	})
	other := New(e.ledger.kv, WithClaimTTL(ttl))
	_, _, err := other.begin(ctx, key)
	var busy *BusyError
	if !errors.As(err, &busy) || busy.Owner != "w1" {
		t.Fatalf("begin during a live, renewed claim: %v; want ErrBusy naming w1", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// A holder dies right after its call: no Done, no renewals.
	deadKey := RunKey("hb", time.Unix(1_800_000_060, 0))
	if _, _, err := e.ledger.begin(ctx, deadKey); err != nil {
		t.Fatal(err)
	}
	made, err := e.client.RunCampaign(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var out Outcome
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) {
		out, err = other.RunCampaign(ctx, e.client, deadKey, req)
		return err == nil, fmt.Sprint(err)
	})
	if waited := time.Since(start); waited > 3*ttl {
		t.Errorf("dead holder's claim blocked for %s, want about the TTL %s", waited, ttl)
	}
	if out.RunID != made.RunID || len(e.sb.Runs(id)) != 2 {
		t.Fatalf("reconciled %q, want the dead holder's %q; sandbox has %d runs, want 2", out.RunID, made.RunID, len(e.sb.Runs(id)))
	}
}

// TestFollowUpFailureKeepsOutcomePending: the run is made, then storing
// its follow-up (the poll plan) fails: the ledger records the outcome as
// pending (not done) and the retry only does the follow-up, then done.
func TestFollowUpFailureKeepsOutcomePending(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.createAndApprove(t, ctx, "fu")
	req := chatinc.RunCampaignRequest{CampaignID: id, Audiences: []string{"all"}}
	key := RunKey("fu", time.Time{})
	var followed []Outcome
	failing := OnOutcome(func(_ context.Context, out Outcome) error { return errors.New("nats: no response from stream") })
	if _, err := e.ledger.RunCampaign(ctx, e.client, key, req, failing); err == nil {
		t.Fatal("follow-up failure not returned")
	}
	rec, _, _ := e.ledger.Get(ctx, key)
	if rec.State != StatePending || rec.Outcome.RunID == "" || !rec.ClaimedUntil.IsZero() {
		t.Fatalf("record after failed follow-up: %+v", rec)
	}
	ok := OnOutcome(func(_ context.Context, out Outcome) error { followed = append(followed, out); return nil })
	out, err := e.ledger.RunCampaign(ctx, e.client, key, req, ok)
	if err != nil {
		t.Fatal(err)
	}
	rec, _, _ = e.ledger.Get(ctx, key)
	if rec.State != StateDone || !rec.FollowedUp || out.RunID != rec.Outcome.RunID || len(followed) != 1 || followed[0].RunID != out.RunID {
		t.Fatalf("after retry: record %+v, outcome %+v, followed %+v", rec, out, followed)
	}
	if n := e.sb.RequestCount("/v1/run/campaign"); n != 1 {
		t.Fatalf("run called %d times, want 1", n)
	}
}

// TestImmediateReconcileSkipsAnotherKeysScheduledRun: a tick's worker died
// before its call; the next tick's worker died after scheduling its run (a
// tick's run is scheduled a moment after the tick, timeToRun names it).
// Reconciling the first tick, or the promo's immediate run, must not adopt
// the second tick's run; the second tick finds its own.
func TestImmediateReconcileSkipsAnotherKeysScheduledRun(t *testing.T) {
	e := newSimEnv(t)
	ctx := context.Background()
	id := e.createAndApprove(t, ctx, "tick")
	tick1 := e.sb.Now().Truncate(time.Second).Add(time.Second)
	tick2 := tick1.Add(time.Second)
	k1, k2 := RunKey("tick", tick1), RunKey("tick", tick2)
	if _, _, err := e.ledger.begin(ctx, k1); err != nil { // dies before calling
		t.Fatal(err)
	}
	if _, _, err := e.ledger.begin(ctx, k2); err != nil {
		t.Fatal(err)
	}
	r2, err := e.client.RunCampaign(ctx, chatinc.RunCampaignRequest{CampaignID: id, Audiences: []string{"all"}, TimeToRun: tick2.Add(2 * time.Second)})
	if err != nil { // ... dies after calling
		t.Fatal(err)
	}
	e.sb.Advance(DefaultClaimTTL + time.Second)
	immediate := chatinc.RunCampaignRequest{CampaignID: id, Audiences: []string{"all"}}
	got1, err := e.ledger.RunCampaign(ctx, e.client, k1, immediate, MatchTimeToRun(tick1.Add(2*time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	if got1.RunID == r2.RunID {
		t.Fatalf("tick 1 adopted tick 2's run %s", r2.RunID)
	}
	now, err := e.ledger.RunCampaign(ctx, e.client, RunKey("tick", time.Time{}), immediate)
	if err != nil {
		t.Fatal(err)
	}
	if now.RunID == r2.RunID || now.RunID == got1.RunID {
		t.Fatalf("the immediate run adopted another key's run %s", now.RunID)
	}
	got2, err := e.ledger.RunCampaign(ctx, e.client, k2, immediate, MatchTimeToRun(tick2.Add(2*time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	if got2.RunID != r2.RunID {
		t.Fatalf("tick 2 reconciled %q, want its own %q", got2.RunID, r2.RunID)
	}
	if n := len(e.sb.Runs(id)); n != 3 {
		t.Fatalf("sandbox has %d runs, want 3 (one per key)", n)
	}
}
