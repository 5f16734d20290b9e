package worker_test

import (
	"fmt"
	"testing"
	"time"
)

// TestSamePromoFiveTimesGivesOneCampaignOneRun: five publishes with the same
// Nats-Msg-Id (the stream drops four) and five with different ids (the
// ledger catches four) of one promo id end as one campaign with one run.
func TestSamePromoFiveTimesGivesOneCampaignOneRun(t *testing.T) {
	e := newEnv(t)
	seedAudience(e, "vip", 3)
	for i := range 5 {
		ack := e.publish("send-promo", "same-id", promo("p-same-id", "Same id", nil))
		if (i > 0) != ack.Duplicate {
			t.Fatalf("publish %d: duplicate=%v", i, ack.Duplicate)
		}
	}
	for i := range 5 {
		e.publish("send-promo", fmt.Sprintf("other-id-%d", i), promo("p-other-ids", "Other ids", nil))
	}
	for i := range 5 {
		e.publish("customer-segment-updated", fmt.Sprintf("seg-%d", i), map[string]any{
			"audience": map[string]string{"id": "vip", "name": "vip"},
			"contacts": []map[string]any{{"number": "+27820000001"}, {"number": "+27820000099"}},
		})
	}
	e.settled(30 * time.Second)
	for _, title := range []string{"Same id", "Other ids"} {
		cs := e.campaignsTitled(title)
		if len(cs) != 1 || len(cs[0].Runs) != 1 {
			t.Errorf("%s: %d campaigns %+v, want one campaign with one run", title, len(cs), cs)
		}
	}
	if members, _ := e.sim.Audience("vip"); len(members) != 4 {
		t.Errorf("audience vip has %d members %v, want 4 (3 seeded + 1 new, merged by number)", len(members), members)
	}
	if dl := e.deadLetters(); len(dl) != 0 {
		t.Errorf("dead letters: %+v", dl)
	}
}
