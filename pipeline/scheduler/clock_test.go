package scheduler

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

// TestFakeClockTicksAndCatchUpPolicy drives gocron with a fake clock: on
// start the leader runs only the latest missed tick of catch_up once jobs
// that missed one, then ticks carry their nominal cron time.
func TestFakeClockTicksAndCatchUpPolicy(t *testing.T) {
	url := runJetStream(t)
	_, js := connect(t, url)
	jobs, leases := makeBuckets(t, js)
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	fc := clockwork.NewFakeClockAt(now)
	created := now.Add(-80 * time.Minute) // 08:10: the 09:00 tick was missed
	putPromo(t, jobs, "hourly-once", "0 0 * * * *", CatchUpOnce, created)
	putPromo(t, jobs, "hourly-skip", "0 0 * * * *", CatchUpSkip, created)
	putPromo(t, jobs, "hourly-ran", "0 0 * * * *", CatchUpOnce, created)
	putPromo(t, jobs, "hourly-new", "0 0 * * * *", CatchUpOnce, now.Add(-time.Minute)) // created after 09:00
	if _, err := leases.Put(ctx, lastKey("promo.hourly-ran"), []byte(strconv.FormatInt(now.Add(-30*time.Minute).Unix(), 10))); err != nil {
		t.Fatal(err)
	}

	runner := newCountingRunner()
	obs := &outcomes{}
	s, err := New(js, DefaultBuckets, runner, WithClock(fc), WithLeaseTTL(30*time.Second), WithObserver(obs.add),
		WithJobs([]ConfigJob{{Name: "every-10s", PromoID: "p-10s", Cron: "*/10 * * * * *"}}))
	if err != nil {
		t.Fatal(err)
	}
	caughtUp := make(chan struct{}, 1)
	s.testHookCatchUpDone = func() { caughtUp <- struct{}{} }
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
	case <-caughtUp:
	case <-time.After(10 * time.Second):
		t.Fatal("no catch-up pass after becoming leader")
	}
	tests := []struct {
		promo string
		runs  int
	}{{"hourly-once", 1}, {"hourly-skip", 0}, {"hourly-ran", 0}, {"hourly-new", 0}}
	for _, tc := range tests {
		ticks, runs, _ := runner.ticks(tc.promo)
		if runs != tc.runs {
			t.Errorf("%s: %d catch-up runs, want %d", tc.promo, runs, tc.runs)
		}
		if runs == 1 && ticks[0] != now.Add(-30*time.Minute).Unix() {
			t.Errorf("%s: caught up tick %s, want 09:00", tc.promo, time.Unix(ticks[0], 0).UTC())
		}
	}

	// gocron waits on the fake clock: elector ticker + one timer per job.
	bctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for _, want := range []time.Time{now.Add(10 * time.Second), now.Add(20 * time.Second)} {
		if err := fc.BlockUntilContext(bctx, 6); err != nil {
			t.Fatalf("gocron timers not armed: %v", err)
		}
		fc.Advance(10 * time.Second)
		waitFor(t, 10*time.Second, "the 10s job to run at "+want.Format(time.TimeOnly), func() bool {
			ticks, _, _ := runner.ticks("p-10s")
			return len(ticks) > 0 && ticks[len(ticks)-1] == want.Unix()
		})
	}
	if ticks, runs, _ := runner.ticks("p-10s"); runs != 2 {
		t.Errorf("10s job: runs %v, want exactly the two advanced ticks", ticks)
	}
}
