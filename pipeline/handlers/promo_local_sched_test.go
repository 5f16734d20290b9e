package handlers

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
	"github.com/campaignflow/campaignflow/pipeline/scheduler"
)

// TestPromoLocalTimeCronThroughTheScheduler: the stored job of a
// local-time cron promo is an ordinary job to the scheduler (gocron on a
// fake clock, moved forward instead of slept on); its tick at 09:00 in
// Johannesburg runs the Johannesburg zone through RunPromo.
func TestPromoLocalTimeCronThroughTheScheduler(t *testing.T) {
	friday := testDay()
	for friday.Weekday() != time.Friday {
		friday = friday.AddDate(0, 0, 1)
	}
	e := newEnv(t, sandbox.Options{Clock: clockwork.NewFakeClockAt(friday.AddDate(0, 0, -1))})
	e.seedAudience(t) // thandi, Johannesburg
	ctx := context.Background()
	p := promo("sched")
	p.Schedule = &events.Schedule{LocalTime: "09:00", Cron: "0 9 * * FRI"}
	if err := e.h.Promo.Handle(ctx, "ev-sched", p); err != nil {
		t.Fatal(err)
	}
	jhb, err := time.LoadLocation("Africa/Johannesburg")
	if err != nil {
		t.Fatal(err)
	}
	tick := time.Date(friday.Year(), friday.Month(), friday.Day(), 9, 0, 0, 0, jhb).UTC()
	fc := clockwork.NewFakeClockAt(tick.Add(-10 * time.Minute))
	var mu sync.Mutex
	var outs []scheduler.Outcome
	s, err := scheduler.New(e.js, scheduler.DefaultBuckets, e.h.Promo, scheduler.WithClock(fc), scheduler.WithLeaseTTL(30*time.Second),
		scheduler.WithObserver(func(o scheduler.Outcome) { mu.Lock(); outs = append(outs, o); mu.Unlock() }))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		if err := s.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	select {
	case <-s.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("scheduler not ready")
	}
	var got scheduler.Outcome
	pipelinetest.Eventually(t, 30*time.Second, func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		for _, o := range outs {
			if o.ScheduledAt.Equal(tick) {
				got = o
				return true, ""
			}
		}
		if fc.Now().Before(tick.Add(10 * time.Minute)) {
			fc.Advance(5 * time.Second)
		}
		return false, fmt.Sprintf("no outcome of the %s tick yet (clock %s, outcomes %v)", tick, fc.Now(), outs)
	})
	if !got.OK() || got.JobID != "promo.sched" || got.Run.RunID == "" {
		t.Fatalf("outcome %+v, want the promo's job to run the Johannesburg zone", got)
	}
	nine := func(loc *time.Location) time.Time {
		return time.Date(friday.Year(), friday.Month(), friday.Day(), 9, 0, 0, 0, loc)
	}
	runs := e.zoneRuns(t, "sched", nine, "Africa/Johannesburg")
	if r := runs["Africa/Johannesburg"]; len(runs) != 1 || !r.at.Equal(tick.Add(TickRunLead)) || len(r.numbers) != 1 || r.numbers[0] != thandi {
		t.Fatalf("runs %v, want Johannesburg's at %s to thandi", runs, tick.Add(TickRunLead))
	}
}
