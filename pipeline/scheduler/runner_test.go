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

// countingRunner records every (promo, scheduledAt) it is asked to run.
type countingRunner struct {
	mu   sync.Mutex
	runs map[string]map[int64]int // promo -> tick unix -> runs
}

func newCountingRunner() *countingRunner { return &countingRunner{runs: map[string]map[int64]int{}} }

func (c *countingRunner) RunPromo(_ context.Context, promoID string, at time.Time) (results.RunInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runs[promoID] == nil {
		c.runs[promoID] = map[int64]int{}
	}
	c.runs[promoID][at.Unix()]++
	return results.RunInfo{PromoID: promoID, CampaignID: "c_" + promoID, RunID: fmt.Sprintf("r_%d", at.Unix()), At: at}, nil
}

// ticks returns the sorted distinct ticks run for promo and how many ran twice or more.
func (c *countingRunner) ticks(promo string) (ticks []int64, runs, duplicates int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for tick, n := range c.runs[promo] {
		ticks = append(ticks, tick)
		runs += n
		if n > 1 {
			duplicates += n - 1
		}
	}
	sort.Slice(ticks, func(i, j int) bool { return ticks[i] < ticks[j] })
	return ticks, runs, duplicates
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
