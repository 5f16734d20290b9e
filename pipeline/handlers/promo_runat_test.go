package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
)

// TestPromoFrequencyCapReportRunAtAfterReconcile: a capped run whose
// worker died mid-call (Chat Inc made it) and that is reconciled 50 s later
// reports the run's time, as the ledger has it, not the reconcile's.
func TestPromoFrequencyCapReportRunAtAfterReconcile(t *testing.T) {
	e := newEnv(t, sandbox.Options{Clock: clockwork.NewFakeClockAt(on(0, 10, 0)),
		Faults: []sandbox.Fault{{Endpoint: "/v1/run/campaign", Kind: sandbox.Fault503, Rate: 1}}})
	e.seedAudience(t)
	e.audience(t, "vip", thandi, sipho)
	ctx := context.Background()
	p := capped("late", 1, "7d", "vip")
	if err := e.h.Promo.Handle(ctx, "ev-late", p); pipeline.ClassOf(err) != pipeline.ClassTransient {
		t.Fatalf("first attempt: %v, want transient", err)
	}
	// The call that the dead worker made: Chat Inc ran it.
	e.sb.SetFaults(nil)
	key := ledger.RunKey("late", time.Time{})
	cs := e.sb.Campaigns()
	var derived string // the audience the first attempt made
	for id := range e.sb.State().Audiences {
		if strings.HasPrefix(id, DerivedAudienceStem(key)+ledger.AudienceDigestSep) {
			derived = id
		}
	}
	made, err := e.client.RunCampaign(ctx, chatinc.RunCampaignRequest{CampaignID: cs[0].ID, Audiences: []string{derived}})
	if err != nil {
		t.Fatal(err)
	}
	e.sb.Advance(50 * time.Second)
	if err := e.h.Promo.Handle(ctx, "ev-late", p); err != nil {
		t.Fatal(err)
	}
	rec, ok, err := e.ledger.Get(ctx, key)
	if err != nil || !ok || rec.State != ledger.StateDone || rec.Outcome.RunID != made.RunID {
		t.Fatalf("ledger %+v (%v, %v), want done with run %s", rec, ok, err, made.RunID)
	}
	r := e.sendReport(t, "late")
	if r.RunID != made.RunID || !r.RunAt.Equal(rec.Outcome.At) {
		t.Fatalf("report run %s at %s, want run %s at %s (the ledger's)", r.RunID, r.RunAt, made.RunID, rec.Outcome.At)
	}
}
