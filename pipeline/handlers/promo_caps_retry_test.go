package handlers

import (
	"context"
	"slices"
	"testing"

	"github.com/jonboulle/clockwork"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline"
)

// TestPromoFrequencyCapRetryDecidingFewerSendsToFewer: a capped run whose
// call failed made its derived audience with every contact; another promo
// then sends to two of them; the retry, which now leaves those two out,
// sends to the third only (Chat Inc cannot remove contacts from an
// audience: the retry's audience is another one), and reports two capped.
func TestPromoFrequencyCapRetryDecidingFewerSendsToFewer(t *testing.T) {
	e := newEnv(t, sandbox.Options{Clock: clockwork.NewFakeClockAt(on(0, 10, 0)),
		Faults: []sandbox.Fault{{Endpoint: "/v1/run/campaign", Kind: sandbox.Fault503, Rate: 1}}})
	e.seedAudience(t)
	e.audience(t, "abc", thandi, sipho, lerato)
	e.audience(t, "ab", thandi, sipho)
	ctx := context.Background()
	r := capped("r", 1, "1d", "abc")
	if err := e.h.Promo.Handle(ctx, "ev-r", r); pipeline.ClassOf(err) != pipeline.ClassTransient {
		t.Fatalf("first attempt of r: %v, want transient", err)
	}
	e.sb.SetFaults(nil)
	if err := e.h.Promo.Handle(ctx, "ev-s", capped("s", 1, "1d", "ab")); err != nil {
		t.Fatal(err)
	}
	if err := e.h.Promo.Handle(ctx, "ev-r", r); err != nil {
		t.Fatal(err)
	}
	runs := e.sentTo(t, "r")
	if len(runs) != 1 || !slices.Equal(runs[0], []string{lerato}) {
		t.Fatalf("r sent to %v, want one run to %s only (s had the others)", runs, lerato)
	}
	if rep := e.sendReport(t, "r"); rep.ContactsSent != 1 || rep.Capped != 2 || rep.DerivedAudience != DerivedAudienceID(rep.RunKey, []string{lerato}) {
		t.Fatalf("r's report %+v, want 1 sent, 2 capped, to its own audience", rep)
	}
}
