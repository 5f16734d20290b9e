package scheduler

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/results"
)

func TestListShowsNextRunAndLastOutcomeAndCancelRemoves(t *testing.T) {
	url := runJetStream(t)
	_, js := connect(t, url)
	jobs, leases := makeBuckets(t, js)
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) // a Thursday
	putPromo(t, jobs, "bf-2026", "0 9 * * FRI", CatchUpOnce, now)
	if _, err := jobs.Put(ctx, "promo.broken", []byte(`{"cron":"not a cron"}`)); err != nil {
		t.Fatal(err)
	}
	tick := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	if err := writeOutcome(ctx, leases, Outcome{JobID: "promo.bf-2026", ScheduledAt: tick, Run: results.RunInfo{RunID: "r_1"}}); err != nil {
		t.Fatal(err)
	}
	if err := writeOutcome(ctx, leases, Outcome{JobID: "weekly", ScheduledAt: tick, Error: "chatinc: template_not_approved"}); err != nil {
		t.Fatal(err)
	}
	cfg := []ConfigJob{{Name: "weekly", CampaignID: "c_1", Audiences: []string{"all"}, Cron: "0 10 * * MON", TimeZone: "Africa/Johannesburg"}}

	got, err := List(ctx, jobs, leases, cfg, now)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]JobStatus{
		"promo.bf-2026": {Kind: KindPromo, Next: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC), LastRun: tick, LastOutcome: "ok run r_1"},
		"weekly":        {Kind: KindConfig, Next: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC), LastRun: tick, LastOutcome: "error: chatinc: template_not_approved"},
		"promo.broken":  {Kind: KindPromo},
	}
	if len(got) != len(want) {
		t.Fatalf("List = %+v, want %d jobs", got, len(want))
	}
	for _, g := range got {
		w := want[g.ID]
		if g.Kind != w.Kind || !g.Next.Equal(w.Next) || !g.LastRun.Equal(w.LastRun) || g.LastOutcome != w.LastOutcome {
			t.Errorf("%s: got %+v, want %+v", g.ID, g, w)
		}
		if (g.ID == "promo.broken") != (g.Problem != "") {
			t.Errorf("%s: problem %q", g.ID, g.Problem)
		}
	}

	if err := Cancel(ctx, jobs, "bf-2026", cfg); err != nil {
		t.Fatal(err)
	}
	if err := Cancel(ctx, jobs, "promo.bf-2026", cfg); err == nil {
		t.Error("second cancel of the same schedule succeeded")
	}
	if err := Cancel(ctx, jobs, "weekly", cfg); err == nil {
		t.Error("cancelling a config schedule succeeded")
	}
	got, err = List(ctx, jobs, leases, cfg, now)
	if err != nil || len(got) != 2 {
		t.Fatalf("after cancel: %+v, %v", got, err)
	}
}

func TestTickFailureIsReportedAndStored(t *testing.T) {
	url := runJetStream(t)
	_, js := connect(t, url)
	jobs, leases := makeBuckets(t, js)
	ctx := context.Background()
	putPromo(t, jobs, "pending", "* * * * * *", CatchUpSkip, time.Now())
	failing := PromoRunnerFunc(func(context.Context, string, time.Time) (results.RunInfo, error) {
		return results.RunInfo{}, errors.New("chatinc: campaign c_x template is PENDING")
	})
	obs := &outcomes{}
	s, err := New(js, DefaultBuckets, failing, WithObserver(obs.add), WithLeaseTTL(time.Second), WithTickRetryWindow(0))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	waitFor(t, 10*time.Second, "a failed tick", func() bool { return len(obs.find(func(o Outcome) bool { return !o.OK() })) > 0 })
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	o, ok, err := readOutcome(ctx, leases, "promo.pending")
	if err != nil || !ok || !strings.HasSuffix(o.Error, "chatinc: campaign c_x template is PENDING") {
		t.Fatalf("stored outcome %+v ok=%v err=%v", o, ok, err)
	}
}
