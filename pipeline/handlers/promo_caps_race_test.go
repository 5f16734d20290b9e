package handlers

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/events"
)

// TestPromoFrequencyCapConcurrentRuns: eight capped promos handled at once
// (max 1 per day, one audience of three) send to each contact once in all;
// the other runs report it capped.
func TestPromoFrequencyCapConcurrentRuns(t *testing.T) {
	e := newEnv(t, sandbox.Options{Clock: clockwork.NewFakeClockAt(on(0, 10, 0))})
	e.seedAudience(t)
	e.audience(t, "race", thandi, sipho, lerato)
	ctx := context.Background()
	const runs = 8
	// The campaigns first, so that the runs meet at the caps, not at
	// approval.
	for i := range runs {
		p := capped(fmt.Sprintf("race-%d", i+1), 1, "1d", "race")
		if _, err := e.h.Promo.ensureCampaign(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, runs)
	for i := range runs {
		wg.Go(func() {
			id := fmt.Sprintf("race-%d", i+1)
			errs[i] = e.h.Promo.Handle(ctx, "ev-"+id, capped(id, 1, "1d", "race"))
		})
	}
	wg.Wait()
	sends := map[string]int{}
	var sent, cappedTotal int64
	for i := range runs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		id := fmt.Sprintf("race-%d", i+1)
		for _, run := range e.sentTo(t, id) {
			for _, n := range run {
				sends[n]++
			}
		}
		r := e.sendReport(t, id)
		sent, cappedTotal = sent+r.ContactsSent, cappedTotal+r.Capped
	}
	for _, n := range []string{thandi, sipho, lerato} {
		if sends[n] != 1 {
			t.Errorf("%s was sent %d runs, want 1 (max 1 per day): sends %v", n, sends[n], sends)
		}
	}
	if sent != 3 || cappedTotal != 3*runs-3 {
		t.Errorf("reports say %d sent, %d capped; want 3 and %d", sent, cappedTotal, 3*runs-3)
	}
}

// TestPromoFrequencyCapRunNeverMade: a capped run that Chat Inc never made
// (every attempt answered 500) uses up nobody's cap; once a later promo
// has sent, the failed one replayed (dlq replay) is capped.
func TestPromoFrequencyCapRunNeverMade(t *testing.T) {
	e := newEnv(t, sandbox.Options{Faults: []sandbox.Fault{{Endpoint: "/v1/run/campaign", Kind: sandbox.Fault500, Rate: 1}}})
	e.seedAudience(t)
	five := []string{thandi, sipho, lerato, pieter, "+27841234567"}
	e.audience(t, "five", five...)
	ctx := context.Background()
	for range 3 { // every delivery fails: it ends as an exhausted dead letter
		err := e.h.Promo.Handle(ctx, "ev-f-1", capped("f-1", 1, "7d", "five"))
		if c := pipeline.ClassOf(err); err == nil || c != pipeline.ClassTransient {
			t.Fatalf("f-1: class %s, err %v; want transient (Chat Inc answers 500)", c, err)
		}
	}
	e.sb.SetFaults(nil)
	if err := e.h.Promo.Handle(ctx, "ev-f-2", capped("f-2", 1, "7d", "five")); err != nil {
		t.Fatal(err)
	}
	slices.Sort(five)
	if runs := e.sentTo(t, "f-2"); len(runs) != 1 || !slices.Equal(runs[0], five) {
		t.Fatalf("f-2 sent to %v, want one run to all five: f-1 never ran", runs)
	}
	if r := e.sendReport(t, "f-2"); r.ContactsSent != 5 || r.Capped != 0 {
		t.Fatalf("f-2 report %+v, want 5 sent, 0 capped", r)
	}
	if err := e.h.Promo.Handle(ctx, "ev-f-1", capped("f-1", 1, "7d", "five")); err != nil {
		t.Fatal(err)
	}
	if runs := e.sentTo(t, "f-1"); len(runs) != 0 {
		t.Fatalf("f-1 replayed after f-2 sent to %v, want nobody (capped)", runs)
	}
	if r := e.sendReport(t, "f-1"); r.ContactsSent != 0 || r.Capped != 5 {
		t.Fatalf("f-1 replayed: report %+v, want 5 capped", r)
	}
}

// TestPromoFrequencyCapCronTicksAtOnce: two capped cron promos ticking at
// the same second (max 1) send to each contact once between them.
func TestPromoFrequencyCapCronTicksAtOnce(t *testing.T) {
	e := newEnv(t, sandbox.Options{Clock: clockwork.NewFakeClockAt(on(0, 8, 0))})
	e.seedAudience(t)
	e.audience(t, "vip", thandi, sipho)
	ctx := context.Background()
	ids := []string{"tick-a", "tick-b"}
	for _, id := range ids {
		p := capped(id, 1, "1d", "vip")
		p.Schedule = &events.Schedule{Cron: "*/15 * * * * *", TimeZone: "UTC"}
		if err := e.h.Promo.Handle(ctx, "ev-"+id, p); err != nil {
			t.Fatal(err)
		}
	}
	tick := e.sb.Now().Truncate(15 * time.Second).Add(15 * time.Second)
	e.sb.Advance(tick.Sub(e.sb.Now()))
	var wg sync.WaitGroup
	errs := make([]error, len(ids))
	for i, id := range ids {
		wg.Go(func() { _, errs[i] = e.h.Promo.RunPromo(ctx, id, tick) })
	}
	wg.Wait()
	sends := map[string]int{}
	for i, id := range ids {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		for _, run := range e.sentTo(t, id) {
			for _, n := range run {
				sends[n]++
			}
		}
	}
	if sends[thandi] != 1 || sends[sipho] != 1 {
		t.Fatalf("sends %v, want each contact once between the two promos (max 1 per day)", sends)
	}
}
