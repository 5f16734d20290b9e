package caps_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/caps"
)

// TestReserveAcrossReplicas: runs reserving at once through two Counters
// (two replicas) over one bucket give each number at most max sends.
func TestReserveAcrossReplicas(t *testing.T) {
	kv, _ := bucket(t)
	replicas := []*caps.Counter{caps.New(kv), caps.New(kv)}
	ctx := context.Background()
	numbers := []string{"+27821234567", "+27821234568", "+27821234569"}
	at := time.Now()
	const runs = 10
	res := make([]*caps.Reservation, runs)
	errs := make([]error, runs)
	var wg sync.WaitGroup
	for i := range runs {
		wg.Go(func() {
			res[i], errs[i] = replicas[i%2].Reserve(ctx, caps.Request{RunKey: fmt.Sprintf("promo.r%d.run.now", i), PromoID: "r",
				Numbers: numbers, At: at, Max: 2, Per: time.Hour})
		})
	}
	wg.Wait()
	sends := map[string]int{}
	for i := range runs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		for _, n := range res[i].Send {
			sends[n]++
		}
		if len(res[i].Send)+len(res[i].Capped) != len(numbers) {
			t.Fatalf("run %d: sent %v, capped %v", i, res[i].Send, res[i].Capped)
		}
		if err := res[i].Made(ctx); err != nil {
			t.Fatal(err)
		}
		res[i].End(ctx)
	}
	for _, n := range numbers {
		if sends[n] != 2 {
			t.Errorf("%s reserved by %d runs, want 2 (max 2)", n, sends[n])
		}
	}
	counts, err := replicas[0].Recent(ctx, at.Add(-time.Hour), at.Add(time.Hour), "")
	if err != nil || counts[numbers[0]] != 2 {
		t.Fatalf("counts %v, %v", counts, err)
	}
}

// TestReservePendingCounts: a reserved run's sends count while its
// attempt is under way and once it is made; a run whose attempt ended
// without being made counts for nobody, and its retry decides again,
// taking back the counters of numbers it no longer sends to.
func TestReservePendingCounts(t *testing.T) {
	kv, _ := bucket(t)
	c := caps.New(kv)
	ctx := context.Background()
	a, b := "+27821234567", "+27821234568"
	at := time.Now()
	req := func(run string, numbers ...string) caps.Request {
		return caps.Request{RunKey: run, PromoID: run, Numbers: numbers, At: at, Max: 1, Per: time.Hour}
	}
	count := func(want caps.Counts) {
		t.Helper()
		got, err := c.Recent(ctx, at.Add(-time.Hour), at.Add(time.Hour), "")
		if err != nil || len(got) != len(want) || got[a] != want[a] || got[b] != want[b] {
			t.Fatalf("counts %v (%v), want %v", got, err, want)
		}
	}
	failed, err := c.Reserve(ctx, req("promo.failed.run.now", a, b))
	if err != nil || !slices.Equal(failed.Send, []string{a, b}) {
		t.Fatalf("reserve: %+v, %v", failed, err)
	}
	count(caps.Counts{a: 1, b: 1}) // under way: counted
	failed.End(ctx)
	count(caps.Counts{}) // never made: counts for nobody

	made, err := c.Reserve(ctx, req("promo.made.run.now", a))
	if err != nil || !slices.Equal(made.Send, []string{a}) {
		t.Fatalf("reserve: %+v, %v", made, err)
	}
	if err := made.Made(ctx); err != nil {
		t.Fatal(err)
	}
	made.End(ctx)
	count(caps.Counts{a: 1})

	// The failed run retried (dlq replay): a is taken now; its counter of a
	// goes, b's stays.
	retry, err := c.Reserve(ctx, req("promo.failed.run.now", a, b))
	if err != nil || !slices.Equal(retry.Send, []string{b}) || !slices.Equal(retry.Capped, []string{a}) {
		t.Fatalf("retry: %+v, %v", retry, err)
	}
	if _, err := kv.Get(ctx, caps.Key(a, "promo.failed.run.now")); err == nil {
		t.Fatal("the retry left its counter of a capped number")
	}
	if err := retry.Made(ctx); err != nil {
		t.Fatal(err)
	}
	retry.End(ctx)
	count(caps.Counts{a: 1, b: 1})
}

// TestReserveSweepsStaleLeases: a lease whose worker died (run out
// StaleLease ago) is deleted by the next Reserve; a lease that ran out
// recently, and a live one, stay.
func TestReserveSweepsStaleLeases(t *testing.T) {
	kv, _ := bucket(t)
	ctx := context.Background()
	lease := func(run string, until time.Time) string {
		key := caps.LeaseKey(run)
		if _, err := kv.Put(ctx, key, []byte(fmt.Sprintf(`{"owner":"dead","until":%q}`, until.UTC().Format(time.RFC3339Nano)))); err != nil {
			t.Fatal(err)
		}
		return key
	}
	now := time.Now()
	stale := lease("promo.old.run.now", now.Add(-caps.StaleLease-time.Minute))
	recent := lease("promo.recent.run.now", now.Add(-time.Minute))
	live := lease("promo.live.run.now", now.Add(time.Minute))
	res, err := caps.New(kv).Reserve(ctx, caps.Request{RunKey: "promo.p.run.now", PromoID: "p", Numbers: []string{"+27821234567"},
		At: now, Max: 1, Per: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	res.End(ctx)
	for key, want := range map[string]bool{stale: false, recent: true, live: true} {
		_, err := kv.Get(ctx, key)
		if got := err == nil; got != want {
			t.Errorf("lease %s kept = %v (%v), want %v", key, got, err, want)
		}
	}
}
