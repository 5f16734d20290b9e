package scheduler

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/campaignflow/campaignflow/pipeline/results"
)

// replica is one running scheduler on its own NATS connection.
type replica struct {
	name string
	nc   *nats.Conn
	s    *Scheduler
	done chan error
}

func startReplica(t *testing.T, url, name string, runner *countingRunner, obs *outcomes, cfg []ConfigJob) *replica {
	t.Helper()
	nc, js := connect(t, url)
	// A replica cut from NATS cannot run a promo: the real runner goes
	// through the ledger in NATS KV first (which is also what keeps a tick
	// it ran, and crashed before marking done, from running again when
	// another replica retries it).
	viaNATS := PromoRunnerFunc(func(ctx context.Context, promoID string, at time.Time) (results.RunInfo, error) {
		if nc.IsClosed() {
			return results.RunInfo{}, nats.ErrConnectionClosed
		}
		return runner.runAs(ctx, tickRun{replica: name, crashed: nc.IsClosed}, promoID, at)
	})
	s, err := New(js, DefaultBuckets, viaNATS, WithReplicaID(name), WithLeaseTTL(1500*time.Millisecond),
		WithObserver(obs.add), WithJobs(cfg))
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{name: name, nc: nc, s: s, done: make(chan error, 1)}
	go func() { r.done <- s.Run(context.Background()) }()
	select {
	case <-s.Ready():
	case <-time.After(10 * time.Second):
		t.Fatalf("replica %s not ready", name)
	}
	return r
}

func (r *replica) stop(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.s.Shutdown(ctx); err != nil {
		t.Errorf("shutdown %s: %v", r.name, err)
	}
	if err := <-r.done; err != nil {
		t.Errorf("run %s: %v", r.name, err)
	}
}

// TestThreeReplicasRunEachTickOnce runs a per-second cron on three
// schedulers sharing one nats-server, crashes the leader halfway (its
// connection closes without releasing the lease), then stops and restarts
// all of them; every tick runs at most once, ticks missed during failover
// follow each job's catch-up policy, and jobs come back from KV.
func TestThreeReplicasRunEachTickOnce(t *testing.T) {
	url := runJetStream(t)
	_, adminJS := connect(t, url)
	jobs, _ := makeBuckets(t, adminJS)
	ctx := context.Background()
	runner := newCountingRunner()
	obs := &outcomes{}
	start := time.Now()
	putPromo(t, jobs, "p-once", "* * * * * *", CatchUpOnce, start)
	putPromo(t, jobs, "p-skip", "* * * * * *", CatchUpSkip, start)
	cfg := []ConfigJob{{Name: "cfg-every-second", PromoID: "p-cfg", Cron: "* * * * * *"}}

	reps := make([]*replica, 3)
	for i := range reps {
		reps[i] = startReplica(t, url, fmt.Sprintf("r%d", i), runner, obs, cfg)
	}
	waitFor(t, 15*time.Second, "10 ticks of p-once", func() bool { return runner.count("p-once") >= 10 })

	// Crash the leader: close its connection, so its lease is never released.
	var leader *replica
	waitFor(t, 5*time.Second, "a leader", func() bool {
		for _, r := range reps {
			if r.s.elector.IsLeader(ctx) == nil {
				leader = r
				return true
			}
		}
		return false
	})
	crashedAt := time.Now()
	leader.nc.Close()
	t.Logf("crashed leader %s at %s", leader.name, crashedAt.Format(time.StampMilli))
	onceBefore := runner.count("p-once")
	waitFor(t, 20*time.Second, "p-once to reach 20 runs and 5 after the crash", func() bool {
		n := runner.count("p-once")
		return n >= 20 && n >= onceBefore+5
	})
	isFailoverCatchUp := func(job string) func(Outcome) bool {
		return func(o Outcome) bool { return o.JobID == job && o.CatchUp && o.OK() && o.Replica != leader.name }
	}
	// Followers take the ticks the crashed leader leaves after a short
	// grace, so the new leader finds at most one missed tick to catch up.
	if got := obs.find(isFailoverCatchUp("promo.p-once")); len(got) > 1 {
		t.Errorf("p-once (catch_up once): %d catch-up runs after failover, want at most 1: %+v", len(got), got)
	}
	if got := obs.find(isFailoverCatchUp("promo.p-skip")); len(got) != 0 {
		t.Errorf("p-skip (catch_up skip): catch-up runs after failover: %+v", got)
	}
	for _, r := range reps {
		r.stop(t)
	}

	// Every replica is down for at least one tick, then all restart without
	// config jobs: the promos come back from KV and p-once catches up.
	stoppedAt := time.Now()
	t.Logf("all replicas stopped at %s", stoppedAt.Format(time.StampMilli))
	nextTick := stoppedAt.Truncate(time.Second).Add(2 * time.Second)
	waitFor(t, 5*time.Second, "a tick to pass with every replica down", func() bool { return time.Now().After(nextTick) })
	onceBefore = runner.count("p-once")
	for i := range reps {
		reps[i] = startReplica(t, url, fmt.Sprintf("r%d-restarted", i), runner, obs, nil)
	}
	waitFor(t, 10*time.Second, "p-once to run 3 ticks after restart", func() bool { return runner.count("p-once") >= onceBefore+3 })
	restartCatchUps := obs.find(func(o Outcome) bool { return o.JobID == "promo.p-once" && o.CatchUp && o.ScheduledAt.After(stoppedAt) })
	if len(restartCatchUps) != 1 {
		t.Errorf("p-once after restart: %d catch-up runs, want 1", len(restartCatchUps))
	}

	// Cancel p-skip through the KV: every replica drops it within moments.
	if err := Cancel(ctx, jobs, "p-skip", nil); err != nil {
		t.Fatal(err)
	}
	cancelledAt := time.Now()
	// A promo added through any replica is live on the leader within moments.
	putPromo(t, jobs, "p-new", "* * * * * *", CatchUpSkip, time.Now())
	onceBefore = runner.count("p-once")
	waitFor(t, 10*time.Second, "3 more p-once ticks after cancel and 2 runs of the added p-new", func() bool {
		return runner.count("p-once") >= onceBefore+3 && runner.count("p-new") >= 2
	})
	for _, r := range reps {
		r.stop(t)
	}
	skipTicks, _, _ := runner.ticks("p-skip")
	if last := time.Unix(skipTicks[len(skipTicks)-1], 0); last.After(cancelledAt.Add(time.Second)) {
		t.Errorf("cancelled p-skip still ran tick %s (cancelled at %s)", last, cancelledAt)
	}

	for _, promo := range []string{"p-once", "p-skip", "p-cfg", "p-new"} {
		ticks, runs, dups := runner.ticks(promo)
		expected := int(ticks[len(ticks)-1]-ticks[0]) + 1
		var missing []string
		for i := 1; i < len(ticks); i++ {
			for m := ticks[i-1] + 1; m < ticks[i]; m++ {
				missing = append(missing, time.Unix(m, 0).Format(time.TimeOnly))
			}
		}
		t.Logf("%s: ticks expected %d (first..last), distinct ticks run %d, runs seen %d, duplicates %d, not run %v",
			promo, expected, len(ticks), runs, dups, missing)
		if dups != 0 {
			t.Errorf("%s: %d ticks ran more than once: %v", promo, dups, runner.duplicated(promo))
		}
	}
	if _, runs, _ := runner.ticks("p-cfg"); runs < 15 {
		t.Errorf("config job ran %d times, want >= 15", runs)
	}
}
