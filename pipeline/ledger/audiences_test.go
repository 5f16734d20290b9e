package ledger

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
)

// TestMatchAudiencesTellsDerivedRunsApart: two immediate runs of one
// campaign under keys that are not siblings (two zones of a local-time
// promo whose time has passed), each to its own audience. The second's
// call is dropped after Chat Inc made the run: reconciling it without
// MatchAudiences adopts the first zone's run (the earliest immediate run
// since its intent); with it, its own.
func TestMatchAudiencesTellsDerivedRunsApart(t *testing.T) {
	for _, match := range []bool{false, true} {
		e := newEnv(t)
		ctx := context.Background()
		id := e.createAndApprove(t, ctx, "zones")
		for _, a := range []string{"cfsend.a", "cfsend.b"} {
			if _, err := e.client.CreateAudience(ctx, chatinc.Audience{ID: a, Name: a, Contacts: []chatinc.Contact{{Number: "+27821234567"}}}); err != nil {
				t.Fatal(err)
			}
		}
		var opts []RunOption
		if match {
			opts = append(opts, MatchAudiences())
		}
		now := e.sb.Now()
		first, err := e.ledger.RunCampaign(ctx, e.client, LocalRunKey("zones", now.Add(-time.Hour), "Asia/Tokyo"),
			chatinc.RunCampaignRequest{CampaignID: id, Audiences: []string{"cfsend.a"}}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		e.sb.SetFaults([]sandbox.Fault{{Endpoint: "/v1/run/campaign", Kind: sandbox.FaultDrop, Rate: 1, Count: 1}})
		second, err := e.ledger.RunCampaign(ctx, e.client, LocalRunKey("zones", now.Add(-2*time.Hour), "Asia/Seoul"),
			chatinc.RunCampaignRequest{CampaignID: id, Audiences: []string{"cfsend.b"}}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		runs := e.sb.Runs(id)
		if len(runs) != 2 {
			t.Fatalf("match %v: %d runs at Chat Inc, want 2", match, len(runs))
		}
		i := slices.IndexFunc(runs, func(r sandbox.RunState) bool { return r.Audiences[0] == "cfsend.b" })
		if adopted := second.RunID == first.RunID; adopted != !match || (match && second.RunID != runs[i].ID) {
			t.Fatalf("match %v: second zone recorded run %s (first %s, its own %s)", match, second.RunID, first.RunID, runs[i].ID)
		}
	}
}

func TestSameAudiences(t *testing.T) {
	for _, tc := range []struct {
		a, b []string
		want bool
	}{
		{[]string{"cfsend.k#01234567"}, []string{"cfsend.k#89abcdef"}, true},
		{[]string{"cfsend.k"}, []string{"cfsend.k"}, true},
		{[]string{"cfsend.k#01234567"}, []string{"cfsend.j#01234567"}, false},
		{[]string{"a", "b"}, []string{"a"}, false},
	} {
		if got := SameAudiences(tc.a, tc.b); got != tc.want {
			t.Errorf("SameAudiences(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
