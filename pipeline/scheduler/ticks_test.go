package scheduler

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestClaimTickOnlyOnceAcrossConcurrentReplicas(t *testing.T) {
	url := runJetStream(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	var won atomic.Int32
	var wg sync.WaitGroup
	for i := range 3 {
		_, js := connect(t, url)
		_, leases := makeBuckets(t, js)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				ok, err := claimTick(ctx, leases, "job", at, tickClaim{Replica: string(rune('a' + i))}, 0)
				if err != nil {
					t.Error(err)
				}
				if ok {
					won.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("tick claimed %d times, want exactly 1", won.Load())
	}
}

func TestAdvanceLastNeverMovesBackwards(t *testing.T) {
	url := runJetStream(t)
	_, js := connect(t, url)
	_, leases := makeBuckets(t, js)
	ctx := context.Background()
	base := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for _, step := range []struct {
		add  time.Duration
		want time.Duration
	}{{5 * time.Second, 5 * time.Second}, {2 * time.Second, 5 * time.Second}, {9 * time.Second, 9 * time.Second}} {
		if err := advanceLast(ctx, leases, "job", base.Add(step.add)); err != nil {
			t.Fatal(err)
		}
		got, _, err := readLast(ctx, leases, "job")
		if err != nil || !got.Equal(base.Add(step.want)) {
			t.Fatalf("after advancing to +%s: last = %s (%v), want +%s", step.add, got, err, step.want)
		}
	}
}
