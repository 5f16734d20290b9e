package ledger

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc"
)

// TestPruneTicksKeepsWhatDedupNeeds: of a promo's runs and a configured
// campaign's, PruneTicks removes only the finished ticks before the cut-off;
// recent ticks, a tick still in flight, the send-promo's run at a time and
// its run now stay, so a replayed send-promo still runs once.
func TestPruneTicksKeepsWhatDedupNeeds(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.createAndApprove(t, ctx, "pr")
	now := e.sb.Now().Truncate(time.Second)
	tick := func(key string, at time.Time) {
		t.Helper()
		tag, run := at.Add(TickRunLead), at.Add(TickRunLead)
		if run.Before(now) {
			run = now.Add(time.Hour) // the sandbox refuses a past timeToRun; the record keeps the tag (a tick retried late)
		}
		if _, err := e.ledger.RunCampaign(ctx, e.client, key, chatinc.RunCampaignRequest{CampaignID: id, Audiences: []string{"all"}, TimeToRun: run},
			MatchTimeToRun(tag)); err != nil {
			t.Fatal(err)
		}
	}
	old, recent := now.Add(-10*24*time.Hour), now.Add(-time.Hour)
	tick(RunKey("pr", old), old)
	tick(RunKey("pr", old.Add(time.Second)), old.Add(time.Second))
	tick(CampaignRunKey(id, old), old)
	tick(RunKey("pr", recent), recent)
	inFlight := RunKey("pr", old.Add(2*time.Second))
	if _, _, err := e.ledger.begin(ctx, inFlight, func(r *Record) {
		r.Run = &RunRequest{CampaignID: id, TimeToRun: old.Add(4 * time.Second)}
	}); err != nil {
		t.Fatal(err)
	}
	at := now.Add(time.Hour)
	if _, err := e.ledger.RunCampaign(ctx, e.client, RunKey("pr", at), chatinc.RunCampaignRequest{CampaignID: id, Audiences: []string{"all"}, TimeToRun: at}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ledger.RunCampaign(ctx, e.client, RunKey("pr", time.Time{}), chatinc.RunCampaignRequest{CampaignID: id, Audiences: []string{"all"}}); err != nil {
		t.Fatal(err)
	}
	// A local-time cron's tick in one zone (pruned like any tick), and a
	// local-time date's run in one zone (kept: no tick).
	tick(LocalRunKey("pr", old.Add(3*time.Second), "Asia/Tokyo"), old.Add(3*time.Second))
	localDate := now.Add(-3 * time.Hour)
	if _, err := e.ledger.RunCampaign(ctx, e.client, LocalRunKey("pr", localDate, "Asia/Tokyo"), chatinc.RunCampaignRequest{CampaignID: id, Audiences: []string{"all"}}); err != nil {
		t.Fatal(err)
	}
	// A schedule.at run that quiet hours moved: scheduled well after the
	// time its key names, yet no tick.
	moved := now.Add(-2 * time.Hour)
	if _, err := e.ledger.RunCampaign(ctx, e.client, RunKey("pr", moved), chatinc.RunCampaignRequest{CampaignID: id, Audiences: []string{"all"}, TimeToRun: now.Add(9 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	n, err := e.ledger.PruneTicks(ctx, now.Add(-24*time.Hour))
	if err != nil || n != 4 {
		t.Fatalf("pruned %d, %v; want the 4 old finished ticks", n, err)
	}
	for key, want := range map[string]bool{
		RunKey("pr", old): false, RunKey("pr", old.Add(time.Second)): false, CampaignRunKey(id, old): false,
		RunKey("pr", recent): true, inFlight: true, RunKey("pr", at): true, RunKey("pr", time.Time{}): true, CampaignKey("pr"): true,
		RunKey("pr", moved): true, LocalRunKey("pr", old.Add(3*time.Second), "Asia/Tokyo"): false, LocalRunKey("pr", localDate, "Asia/Tokyo"): true,
	} {
		_, err := e.ledger.kv.Get(ctx, key)
		if got := err == nil; got != want {
			t.Errorf("%s kept = %v, want %v (%v)", key, got, want, err)
		}
	}
	// Long after: the recent tick goes too; the at-run (its time long past),
	// the run now and the abandoned-looking intent stay.
	if n, err := e.ledger.PruneTicks(ctx, now.Add(365*24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("second pass pruned %d, %v; want only the recent tick (the at-run, the run now and the intent stay)", n, err)
	}
	if runs := e.sb.Runs(id); len(runs) != 9 {
		t.Fatalf("%d runs at Chat Inc, want 9", len(runs))
	}
	if _, err := e.ledger.kv.Get(ctx, RunKey("pr", moved)); err != nil {
		t.Fatalf("the at-run moved by quiet hours was pruned: %v", err)
	}
	if _, err := e.ledger.kv.Get(ctx, RunKey("pr", old)); err != jetstream.ErrKeyNotFound {
		t.Fatalf("a pruned key reads %v, want ErrKeyNotFound", err)
	}
}
