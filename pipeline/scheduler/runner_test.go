package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/results"
)

// countingRunner records every (promo, scheduledAt) it is asked to run,
// and which replica ran it.
type countingRunner struct {
	mu   sync.Mutex
	runs map[string]map[int64][]tickRun // promo -> tick unix -> runs
}

// tickRun is one run of a tick: by whom, and a probe that says whether that
// replica has since crashed (nil: it never does).
type tickRun struct {
	replica string
	crashed func() bool
}

func newCountingRunner() *countingRunner {
	return &countingRunner{runs: map[string]map[int64][]tickRun{}}
}

func (c *countingRunner) RunPromo(ctx context.Context, promoID string, at time.Time) (results.RunInfo, error) {
	return c.runAs(ctx, tickRun{}, promoID, at)
}

// runAs runs a tick as one replica. A second run of a tick whose first
// runner has crashed since is what the real runner's ledger reconciles (the
// crashed replica's claim of the run is found, and its Chat Inc run with
// it): a replica crashed after running a tick but before marking it done, so
// the scheduler hands the tick to another replica, and the effect is still
// once. It is not counted as a run; any other second run is.
func (c *countingRunner) runAs(_ context.Context, r tickRun, promoID string, at time.Time) (results.RunInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runs[promoID] == nil {
		c.runs[promoID] = map[int64][]tickRun{}
	}
	info := results.RunInfo{PromoID: promoID, CampaignID: "c_" + promoID, RunID: fmt.Sprintf("r_%d", at.Unix()), At: at}
	prev := c.runs[promoID][at.Unix()]
	if len(prev) == 1 && prev[0].crashed != nil && prev[0].crashed() {
		return info, nil // reconciled: the crashed replica's run stands
	}
	c.runs[promoID][at.Unix()] = append(prev, r)
	return info, nil
}

// ticks returns the sorted distinct ticks run for promo and how many ran twice or more.
func (c *countingRunner) ticks(promo string) (ticks []int64, runs, duplicates int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for tick, rs := range c.runs[promo] {
		ticks = append(ticks, tick)
		runs += len(rs)
		duplicates += len(rs) - 1
	}
	sort.Slice(ticks, func(i, j int) bool { return ticks[i] < ticks[j] })
	return ticks, runs, duplicates
}

// duplicated describes the ticks of promo that ran more than once, and by whom.
func (c *countingRunner) duplicated(promo string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for tick, rs := range c.runs[promo] {
		if len(rs) > 1 {
			by := make([]string, len(rs))
			for i, r := range rs {
				by[i] = r.replica
			}
			out = append(out, fmt.Sprintf("%s by %v", time.Unix(tick, 0).Format(time.TimeOnly), by))
		}
	}
	sort.Strings(out)
	return out
}

func (c *countingRunner) count(promo string) int {
	_, runs, _ := c.ticks(promo)
	return runs
}

// outcomes collects observer callbacks.
type outcomes struct {
	mu  sync.Mutex
	all []Outcome
}

func (o *outcomes) add(x Outcome) { o.mu.Lock(); o.all = append(o.all, x); o.mu.Unlock() }

func (o *outcomes) find(f func(Outcome) bool) []Outcome {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Outcome
	for _, x := range o.all {
		if f(x) {
			out = append(out, x)
		}
	}
	return out
}

// putPromo stores a cron promo the way the send-promo handler does.
func putPromo(t *testing.T, jobs jetstream.KeyValue, promoID, cron, catchUp string, created time.Time) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{
		"promo": map[string]any{"promo_id": promoID, "title": "Promo " + promoID}, "cron": cron, "time_zone": "UTC",
		"catch_up": catchUp, "created_at": created.UTC().Format(time.RFC3339Nano),
	})
	if _, err := jobs.Put(context.Background(), PromoKeyPrefix+promoID, b); err != nil {
		t.Fatal(err)
	}
}
