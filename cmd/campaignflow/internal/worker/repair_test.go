package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

// TestRepairScanStoresMissingPollPlans: two runs recorded done the way an
// older version did when storing the poll plan failed (no plan, no
// followed_up), and one left pending. The leader's repair scan stores the plan of the recent one,
// whose polls then publish snapshots, and leaves the one whose plan would
// already be over (re-polling it would publish its snapshots twice).
func TestRepairScanStoresMissingPollPlans(t *testing.T) {
	e := newEnv(t, func(c *config.Config, _ *sandbox.Options) { c.Results.RepairInterval = 200 * time.Millisecond })
	ctx := context.Background()
	client := e.w.Client()
	cmp, err := client.CreateCampaign(ctx, chatinc.CreateCampaignRequest{Title: "Old", Message: "hi",
		Options: chatinc.CampaignOptions{LanguageCode: "enUS", WhatsAppTemplateType: "MARKETING"}})
	if err != nil {
		t.Fatal(err)
	}
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) {
		cs, err := client.RetrieveCampaigns(ctx, chatinc.RetrieveCampaignsOptions{})
		return err == nil && len(cs) == 1 && cs[0].WhatsAppTemplatesStatus == chatinc.TemplateApproved, fmt.Sprint(cs, err)
	})
	kv, err := e.js.KeyValue(ctx, e.cfg.Names.LedgerBucket)
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := e.js.KeyValue(ctx, e.cfg.Names.JobsBucket)
	if err != nil {
		t.Fatal(err)
	}
	oldRun := func(promo, state string, doneAt time.Time) string {
		r, err := client.RunCampaign(ctx, chatinc.RunCampaignRequest{CampaignID: cmp.CampaignID, Audiences: []string{"all"}})
		if err != nil {
			t.Fatal(err)
		}
		rec := map[string]any{"state": state, "intent_at": doneAt, "attempts": 1, "done_at": doneAt,
			"outcome": map[string]any{"campaign_id": cmp.CampaignID, "run_id": r.RunID}}
		b, _ := json.Marshal(rec)
		if _, err := kv.Put(ctx, ledger.RunKey(promo, time.Time{}), b); err != nil {
			t.Fatal(err)
		}
		return r.RunID
	}
	recent := oldRun("recent", "done", time.Now())
	over := oldRun("over", "done", time.Now().Add(-time.Hour)) // 72h / 3600 = 72s of polls: long over
	// A tick whose plan store failed and that was not retried (the next
	// tick was due): outcome known, state pending.
	pending := oldRun("pending", ledger.StatePending, time.Now().Add(-time.Hour)) // never stored: repaired however old
	planKey := func(run string) string { return "poll." + cmp.CampaignID + "." + run }
	pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) {
		_, err := jobs.Get(ctx, planKey(recent))
		return err == nil, fmt.Sprintf("plan of the recent run: %v", err)
	})
	pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) {
		rec, _, err := ledger.New(kv).Get(ctx, ledger.RunKey("over", time.Time{}))
		return err == nil && rec.FollowedUp, fmt.Sprintf("old run marked: %+v %v", rec, err)
	})
	if _, err := jobs.Get(ctx, planKey(over)); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("a plan for the run whose polls are long over: %v", err)
	}
	rec, _, _ := ledger.New(kv).Get(ctx, ledger.RunKey("recent", time.Time{}))
	if !rec.FollowedUp {
		t.Fatalf("repaired run not marked: %+v", rec)
	}
	pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) {
		_, err := jobs.Get(ctx, planKey(pending))
		rec, _, _ := ledger.New(kv).Get(ctx, ledger.RunKey("pending", time.Time{}))
		return err == nil && rec.State == ledger.StateDone && rec.FollowedUp, fmt.Sprintf("pending run: plan %v, record %+v", err, rec)
	})
}
