package ledger

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
)

func (e *env) approve(t *testing.T) { t.Helper(); e.sb.Advance(5 * time.Second) }

func (e *env) createAndApprove(t *testing.T, ctx context.Context, promoID string) string {
	t.Helper()
	out, err := e.ledger.CreateCampaign(ctx, e.client, promoID, promoRequest("Promo "+promoID))
	if err != nil {
		t.Fatal(err)
	}
	e.approve(t)
	return out.CampaignID
}

func TestCreateCampaignTwiceMakesOne(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var ids []string
	for range 5 {
		out, err := e.ledger.CreateCampaign(ctx, e.client, "bf", promoRequest("Black Friday"))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, out.CampaignID)
	}
	if n := len(e.sb.Campaigns()); n != 1 {
		t.Fatalf("sandbox has %d campaigns, want 1", n)
	}
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Fatalf("campaign ids differ: %v", ids)
		}
	}
	if n := e.sb.RequestCount("/v1/create/campaign"); n != 1 {
		t.Fatalf("create called %d times, want 1", n)
	}
}

func TestCrashBetweenCallAndRecordIsReconciled(t *testing.T) {
	e := newSimEnv(t, WithClaimTTL(time.Minute))
	ctx := context.Background()

	// Campaign: intent, call, "crash" before Done.
	claim, done, err := e.ledger.begin(ctx, CampaignKey("p1"))
	if err != nil || done != nil {
		t.Fatalf("begin: %v %v", done, err)
	}
	created, err := e.client.CreateCampaign(ctx, promoRequest("Spring sale"))
	if err != nil {
		t.Fatal(err)
	}
	_ = claim // the worker died here
	// While the claim is live another worker backs off.
	if _, err := e.ledger.CreateCampaign(ctx, e.client, "p1", promoRequest("Spring sale")); !errors.Is(err, ErrBusy) {
		t.Fatalf("want ErrBusy during a live claim, got %v", err)
	}
	e.sb.Advance(2 * time.Minute) // claim expired: the redelivery reconciles
	out, err := e.ledger.CreateCampaign(ctx, e.client, "p1", promoRequest("Spring sale"))
	if err != nil {
		t.Fatal(err)
	}
	if out.CampaignID != created.CampaignID {
		t.Fatalf("reconciled %q, want %q", out.CampaignID, created.CampaignID)
	}
	if n := len(e.sb.Campaigns()); n != 1 {
		t.Fatalf("sandbox has %d campaigns, want 1", n)
	}

	// Run: same crash between call and record.
	e.approve(t)
	key := RunKey("p1", time.Time{})
	if _, _, err := e.ledger.begin(ctx, key); err != nil {
		t.Fatal(err)
	}
	run, err := e.client.RunCampaign(ctx, chatinc.RunCampaignRequest{CampaignID: out.CampaignID, Audiences: []string{"all"}})
	if err != nil {
		t.Fatal(err)
	}
	e.sb.Advance(2 * time.Minute)
	for range 3 {
		got, err := e.ledger.RunCampaign(ctx, e.client, key, chatinc.RunCampaignRequest{CampaignID: out.CampaignID, Audiences: []string{"all"}})
		if err != nil {
			t.Fatal(err)
		}
		if got.RunID != run.RunID {
			t.Fatalf("reconciled run %q, want %q", got.RunID, run.RunID)
		}
	}
	if n := len(e.sb.Runs(out.CampaignID)); n != 1 {
		t.Fatalf("campaign has %d runs, want 1", n)
	}
}

func TestAmbiguousDropOnRunMakesOneRun(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.createAndApprove(t, ctx, "p2")
	e.sb.SetFaults([]sandbox.Fault{{Endpoint: "/v1/run/campaign", Kind: sandbox.FaultDrop, Rate: 1, Count: 1}})
	req := chatinc.RunCampaignRequest{CampaignID: id, Audiences: []string{"all"}}
	key := RunKey("p2", time.Time{})
	first, err := e.ledger.RunCampaign(ctx, e.client, key, req)
	if err != nil {
		t.Fatalf("dropped run not reconciled: %v", err)
	}
	again, err := e.ledger.RunCampaign(ctx, e.client, key, req)
	if err != nil {
		t.Fatal(err)
	}
	if first.RunID == "" || again.RunID != first.RunID {
		t.Fatalf("runs %q and %q", first.RunID, again.RunID)
	}
	if n := len(e.sb.Runs(id)); n != 1 {
		t.Fatalf("campaign has %d runs, want 1", n)
	}
}

func TestRunsPerTimeAreDistinct(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.createAndApprove(t, ctx, "p3")
	base := e.sb.Now().Add(time.Hour).Truncate(time.Second)
	seen := map[string]bool{}
	for i := range 3 {
		at := base.Add(time.Duration(i) * time.Hour)
		for range 2 {
			out, err := e.ledger.RunCampaign(ctx, e.client, RunKey("p3", at), chatinc.RunCampaignRequest{CampaignID: id, Audiences: []string{"all"}, TimeToRun: at})
			if err != nil {
				t.Fatal(err)
			}
			seen[out.RunID] = true
		}
	}
	if len(seen) != 3 || len(e.sb.Runs(id)) != 3 {
		t.Fatalf("got %d distinct run ids and %d sandbox runs, want 3 and 3", len(seen), len(e.sb.Runs(id)))
	}
}

func TestFailedCallReleasesClaim(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	bad := promoRequest("")
	if _, err := e.ledger.CreateCampaign(ctx, e.client, "p4", bad); !errors.Is(err, chatinc.ErrValidation) {
		t.Fatalf("want validation error, got %v", err)
	}
	rec, ok, err := e.ledger.Get(ctx, CampaignKey("p4"))
	if err != nil || !ok || rec.State != StateIntent || !rec.ClaimedUntil.IsZero() {
		t.Fatalf("record after failed call: %+v ok=%v err=%v", rec, ok, err)
	}
	if _, err := e.ledger.CreateCampaign(ctx, e.client, "p4", promoRequest("Fixed")); err != nil {
		t.Fatalf("retry after release: %v", err)
	}
}

func TestRunKey(t *testing.T) {
	tests := []struct {
		at   time.Time
		want string
	}{{time.Time{}, "promo.x.run.now"}, {time.Unix(1700000000, 0), "promo.x.run.1700000000"}}
	for _, tt := range tests {
		if got := RunKey("x", tt.at); got != tt.want {
			t.Errorf("RunKey(%v) = %q, want %q", tt.at, got, tt.want)
		}
	}
}

func TestAmbiguousDropOnCreateIsReconciledToItsOwnCampaign(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// Both creates are applied by Chat Inc but their answers are dropped.
	e.sb.SetFaults([]sandbox.Fault{{Endpoint: "/v1/create/campaign", Kind: sandbox.FaultDrop, Rate: 1, Count: 2}})
	other, err := e.ledger.CreateCampaign(ctx, e.client, "other", promoRequest("Same title"))
	if err != nil {
		t.Fatal(err)
	}
	// Same title and message: reconciling must skip the campaign "other" owns.
	mine, err := e.ledger.CreateCampaign(ctx, e.client, "mine", promoRequest("Same title"))
	if err != nil {
		t.Fatal(err)
	}
	if mine.CampaignID == other.CampaignID || len(e.sb.Campaigns()) != 2 {
		t.Fatalf("promos share campaign %q (sandbox has %d)", mine.CampaignID, len(e.sb.Campaigns()))
	}
	for range 3 {
		again, err := e.ledger.CreateCampaign(ctx, e.client, "mine", promoRequest("Same title"))
		if err != nil || again.CampaignID != mine.CampaignID {
			t.Fatalf("again = %+v, %v", again, err)
		}
	}
	if n := e.sb.RequestCount("/v1/create/campaign"); n != 2 {
		t.Fatalf("create called %d times, want 2", n)
	}
}

func TestSiblingsFilter(t *testing.T) {
	tests := []struct{ key, want string }{
		{"promo.x.run.now", "promo.x.run.*"},
		{"campaign.c_1.run.17", "campaign.c_1.run.*"},
	}
	for _, tt := range tests {
		if got := siblingsFilter(tt.key); got != tt.want {
			t.Errorf("siblingsFilter(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}
