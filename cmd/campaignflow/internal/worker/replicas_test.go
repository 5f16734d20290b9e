package worker_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/worker"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

// TestThreeWorkersCronPromoRunsOncePerTick: three workers on one
// nats-server and one sandbox, a promo with a per-second cron; the leader
// crashes (its NATS connection drops, the lease is not released) halfway.
// The sandbox records one run per tick: no tick runs twice.
func TestThreeWorkersCronPromoRunsOncePerTick(t *testing.T) {
	e := newEnv(t)
	seedAudience(e, "vip", 2)
	workers := []*worker.Worker{e.w}
	for i := 2; i <= 3; i++ {
		cfg := *e.cfg
		cfg.WorkerID = fmt.Sprintf("w%d", i)
		log := slog.New(slog.NewTextHandler(e.logs, nil)).With("replica", cfg.WorkerID)
		w, err := worker.New(&cfg, worker.WithLogger(log), worker.WithRandomPorts())
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_ = w.Shutdown(ctx)
		})
		workers = append(workers, w)
	}
	e.publish("send-promo", "cron-every-second", promo("p-tick", "Every second", map[string]any{"cron": "* * * * * *", "catch_up": "once"}))
	runs := func() int {
		n := 0
		for _, c := range e.campaignsTitled("Every second") {
			n += len(c.Runs)
		}
		return n
	}
	pipelinetest.Eventually(t, 30*time.Second, func() (bool, string) { return runs() >= 10, fmt.Sprintf("%d runs", runs()) })

	var leader *worker.Worker
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) {
		for _, w := range workers {
			if w.Leading(context.Background()) {
				leader = w
				return true, ""
			}
		}
		return false, "no leader"
	})
	leader.Conn().Close() // a crash: the lease is not released
	before := runs()
	pipelinetest.Eventually(t, 30*time.Second, func() (bool, string) {
		n := runs()
		return n >= 20 && n >= before+5, fmt.Sprintf("%d runs (%d before the crash)", n, before)
	})
	for _, w := range workers {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_ = w.Shutdown(ctx)
		cancel()
	}
	e.w = nil

	// Each run is recorded in the ledger under its tick; the sandbox's runs
	// must be exactly the ledger's ticks.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kv, err := e.js.KeyValue(ctx, e.cfg.Names.LedgerBucket)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ticks []string
	for _, k := range keys {
		if strings.HasPrefix(k, "promo.p-tick.run.") {
			ticks = append(ticks, strings.TrimPrefix(k, "promo.p-tick.run."))
		}
	}
	seen := runs()
	first, last := ticks[0], ticks[0]
	for _, tk := range ticks {
		first, last = min(first, tk), max(last, tk)
	}
	var a, b int64
	fmt.Sscan(first, &a)
	fmt.Sscan(last, &b)
	t.Logf("3 workers, per-second cron, leader crashed halfway: ticks expected %d (first..last), ticks run %d, runs in the sandbox %d, duplicates %d",
		b-a+1, len(ticks), seen, seen-len(ticks))
	if seen != len(ticks) {
		t.Fatalf("sandbox has %d runs for %d distinct ticks: a tick ran twice", seen, len(ticks))
	}
	if cs := e.campaignsTitled("Every second"); len(cs) != 1 {
		t.Fatalf("%d campaigns for one promo", len(cs))
	}
}
