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
				slot, _, err := claimTick(ctx, js, leases, "job", at, tickClaim{Replica: string(rune('a' + i))}, time.Now(), time.Minute, time.Hour)
				if err != nil {
					t.Error(err)
				}
				if slot != nil {
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

// TestTickClaimStates: a live claim blocks others; a released (failed) or
// expired one is taken over at once; a done one never is; writes keep the
// per-key TTL.
func TestTickClaimStates(t *testing.T) {
	url := runJetStream(t)
	_, js := connect(t, url)
	_, leases := makeBuckets(t, js)
	ctx := context.Background()
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	now := time.Now()
	a, _, err := claimTick(ctx, js, leases, "job", at, tickClaim{Replica: "a"}, now, 10*time.Second, time.Hour)
	if err != nil || a == nil {
		t.Fatalf("first claim: %v %v", a, err)
	}
	b, found, err := claimTick(ctx, js, leases, "job", at, tickClaim{Replica: "b"}, now, 10*time.Second, time.Hour)
	if err != nil || b != nil || found.Replica != "a" || found.State != TickClaimed {
		t.Fatalf("claim during a live claim: slot %v, found %+v, %v", b, found, err)
	}
	if err := a.renew(ctx, now.Add(20*time.Second)); err != nil {
		t.Fatal(err)
	}
	if b, _, _ = claimTick(ctx, js, leases, "job", at, tickClaim{Replica: "b"}, now.Add(15*time.Second), 10*time.Second, time.Hour); b != nil {
		t.Fatal("renewed claim taken over before its new expiry")
	}
	if err := a.release(ctx, now); err != nil { // a's run failed
		t.Fatal(err)
	}
	b, _, err = claimTick(ctx, js, leases, "job", at, tickClaim{Replica: "b"}, now.Add(time.Millisecond), 10*time.Second, time.Hour)
	if err != nil || b == nil || b.current().Attempts != 2 {
		t.Fatalf("claim after release: %v %v", b, err)
	}
	if err := a.renew(ctx, now.Add(time.Minute)); !isWrongLastSequence(err) {
		t.Fatalf("old holder renewed a claim taken over: %v", err)
	}
	if err := b.finish(ctx); err != nil {
		t.Fatal(err)
	}
	c, found, err := claimTick(ctx, js, leases, "job", at, tickClaim{Replica: "c"}, now.Add(time.Hour), 10*time.Second, time.Hour)
	if err != nil || c != nil || found.State != TickDone || found.Replica != "b" {
		t.Fatalf("claim of a done tick: %v %+v %v", c, found, err)
	}
	msg, err := js.Stream(ctx, "KV_"+leases.Bucket())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := msg.GetLastMsgForSubject(ctx, "$KV."+leases.Bucket()+"."+tickKey("job", at))
	if err != nil {
		t.Fatal(err)
	}
	if ttl := raw.Header.Get("Nats-TTL"); ttl == "" {
		t.Fatalf("the done claim lost its per-key TTL (headers %v)", raw.Header)
	}
}
