package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/results"
)

// flakyRunner fails the first n runs of every tick (a KV or Chat Inc
// timeout), then succeeds.
type flakyRunner struct {
	mu    sync.Mutex
	n     int
	calls map[int64]int
	ok    map[int64]int
}

func (f *flakyRunner) RunPromo(_ context.Context, _ string, at time.Time) (results.RunInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[at.Unix()]++
	if f.calls[at.Unix()] <= f.n {
		return results.RunInfo{}, errors.New("results: store poll plan: nats: timeout")
	}
	f.ok[at.Unix()]++
	return results.RunInfo{CampaignID: "c", RunID: fmt.Sprint("r", at.Unix())}, nil
}

func (f *flakyRunner) snapshot() (calls, ok map[int64]int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	calls, ok = map[int64]int{}, map[int64]int{}
	for k, v := range f.calls {
		calls[k] = v
	}
	for k, v := range f.ok {
		ok[k] = v
	}
	return calls, ok
}

// TestTransientTickFailureIsRetriedUntilDone: each tick fails twice, then
// runs; the tick is retried (its failed claim does not block the retry),
// runs once, is marked done and reported once as OK.
func TestTransientTickFailureIsRetriedUntilDone(t *testing.T) {
	url := runJetStream(t)
	_, js := connect(t, url)
	jobs, leases := makeBuckets(t, js)
	ctx := context.Background()
	putPromo(t, jobs, "flaky", "*/3 * * * * *", CatchUpSkip, time.Now())
	runner := &flakyRunner{n: 2, calls: map[int64]int{}, ok: map[int64]int{}}
	obs := &outcomes{}
	s, err := New(js, DefaultBuckets, runner, WithObserver(obs.add), WithLeaseTTL(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	waitFor(t, 20*time.Second, "two ticks run", func() bool { _, ok := runner.snapshot(); return len(ok) >= 2 })
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	calls, ok := runner.snapshot()
	for tick, n := range ok {
		if n != 1 || calls[tick] != 3 {
			t.Errorf("tick %d: %d successful runs after %d calls; want 1 after 3", tick, n, calls[tick])
		}
		e, err := leases.Get(ctx, tickKey("promo.flaky", time.Unix(tick, 0)))
		if err != nil {
			t.Fatal(err)
		}
		if got := string(e.Value()); !strings.Contains(got, `"state":"done"`) {
			t.Errorf("tick %d claim = %s, want done", tick, got)
		}
	}
	if bad := obs.find(func(o Outcome) bool { return !o.OK() }); len(bad) != 0 {
		t.Errorf("failed outcomes reported for ticks that were retried and ran: %+v", bad)
	}
}

// TestFollowerRunsTicksTheLeaderDoesNotClaim: the lease is held by a
// replica that never claims ticks (stalled, or cut off from NATS while its
// lease is still valid). The follower runs every tick after its grace: none
// missed, none twice, each well under two seconds late.
func TestFollowerRunsTicksTheLeaderDoesNotClaim(t *testing.T) {
	url := runJetStream(t)
	_, js := connect(t, url)
	jobs, leases := makeBuckets(t, js)
	ctx := context.Background()
	ghost := NewElector(leases, "ghost", 30*time.Second, nil, nil)
	ectx, stopGhost := context.WithCancel(ctx)
	ghostDone := make(chan struct{})
	go func() { defer close(ghostDone); ghost.Run(ectx) }()
	defer func() { stopGhost(); <-ghostDone }()
	waitFor(t, 5*time.Second, "the ghost to lead", func() bool { return ghost.Leading(ctx) })

	putPromo(t, jobs, "follow", "* * * * * *", CatchUpSkip, time.Now())
	runner := newCountingRunner()
	obs := &outcomes{}
	s, err := New(js, DefaultBuckets, runner, WithReplicaID("follower"), WithObserver(obs.add), WithFollowerGrace(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	waitFor(t, 20*time.Second, "5 ticks run by the follower", func() bool { return runner.count("follow") >= 6 })
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ticks, runs, dups := runner.ticks("follow")
	if dups != 0 || runs != len(ticks) {
		t.Fatalf("ticks %v: %d runs, %d duplicates", ticks, runs, dups)
	}
	for i := 2; i < len(ticks); i++ { // the first may predate the follower's start
		if ticks[i] != ticks[i-1]+1 {
			t.Errorf("tick %d missed (ran %v)", ticks[i-1]+1, ticks)
		}
	}
	for _, o := range obs.find(func(o Outcome) bool { return o.OK() }) {
		if late := o.FinishedAt.Sub(o.ScheduledAt); late > 2*time.Second {
			t.Errorf("tick %s ran %s late", o.ScheduledAt, late)
		}
	}
}

// TestRetryDeadlineOutlastsAnOutage: a per-second cron's failed tick is
// retried for the whole default window (a 20 s Chat Inc or NATS outage,
// the call timeout of the try under way and the ledger's hold of an
// unknown outcome fit in it); an hourly cron's until its next tick.
func TestRetryDeadlineOutlastsAnOutage(t *testing.T) {
	at := time.Date(2026, 11, 30, 18, 5, 26, 0, time.UTC)
	tests := []struct {
		cron string
		want time.Time
	}{
		{"* * * * * *", at.Add(DefaultTickRetryWindow)},
		{"0 0 * * * *", time.Date(2026, 11, 30, 19, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		c, err := parseCron(tc.cron, "UTC", at)
		if err != nil {
			t.Fatal(err)
		}
		if got := retryDeadline(jobSpec{cron: c}, at, DefaultTickRetryWindow); !got.Equal(tc.want) {
			t.Errorf("%s: retried until %s, want %s", tc.cron, got.Format(time.TimeOnly), tc.want.Format(time.TimeOnly))
		}
	}
	// 20 s outage + 5 s call timeout + 10 s unknown-outcome hold.
	if DefaultTickRetryWindow < 35*time.Second {
		t.Errorf("DefaultTickRetryWindow %s: too short to outlast a 20 s outage", DefaultTickRetryWindow)
	}
}
