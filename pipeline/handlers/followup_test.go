package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline/jobs"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
)

// failingObserver fails its first n calls (a poll plan store that times out).
type failingObserver struct {
	mu   sync.Mutex
	n    int
	runs []RunInfo
}

func (o *failingObserver) RunStarted(_ context.Context, info RunInfo) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n > 0 {
		o.n--
		return errors.New("results: store poll plan: nats: no response from stream")
	}
	o.runs = append(o.runs, info)
	return nil
}

// TestTickPlanStoredBeforeDone: a tick's run is made but its poll plan
// cannot be stored: the tick fails (transient) and the ledger does not say
// done; the retry stores the plan without a second run, then says done.
func TestTickPlanStoredBeforeDone(t *testing.T) {
	obs := &failingObserver{n: 1}
	e := newEnv(t, sandbox.Options{}, WithRunObserver(obs))
	e.seedAudience(t)
	ctx := context.Background()
	p := promo("plan")
	p.Schedule = nil
	campaignID, err := e.h.Promo.ensureCampaign(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.h.Promo.jobs.store(ctx, "plan", jobs.Promo{Promo: raw, CampaignID: campaignID, Cron: "* * * * * *", CreatedAt: jobs.Time{Time: e.sb.Now()}}); err != nil {
		t.Fatal(err)
	}
	tick := e.sb.Now().Truncate(time.Second).Add(time.Second)
	if _, err := e.h.Promo.RunPromo(ctx, "plan", tick); err == nil {
		t.Fatal("tick whose plan was not stored reported success")
	}
	l := e.ledger
	rec, ok, err := l.Get(ctx, ledger.RunKey("plan", tick))
	if err != nil || !ok || rec.State == ledger.StateDone || rec.Outcome.RunID == "" {
		t.Fatalf("ledger after the failed plan store: %+v (ok %v, err %v); want the run recorded, not done", rec, ok, err)
	}
	info, err := e.h.Promo.RunPromo(ctx, "plan", tick)
	if err != nil {
		t.Fatal(err)
	}
	rec, _, _ = l.Get(ctx, ledger.RunKey("plan", tick))
	if rec.State != ledger.StateDone || !rec.FollowedUp || len(obs.runs) != 1 || obs.runs[0].RunID != info.RunID || info.RunID != rec.Outcome.RunID {
		t.Fatalf("after retry: record %+v, plans %+v, info %+v", rec, obs.runs, info)
	}
	if runs := e.sb.Runs(campaignID); len(runs) != 1 || !runs[0].TimeToRun.Equal(tick.Add(TickRunLead)) {
		t.Fatalf("sandbox runs %+v, want one scheduled at tick+%s", runs, TickRunLead)
	}
}
