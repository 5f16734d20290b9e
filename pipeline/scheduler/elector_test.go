package scheduler

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

func TestElectorLeaseAcquireRenewTakeoverRelease(t *testing.T) {
	url := runJetStream(t)
	_, js := connect(t, url)
	_, leases := makeBuckets(t, js)
	ctx := context.Background()
	ttl := 3 * time.Second
	c1, c2 := clockwork.NewFakeClock(), clockwork.NewFakeClock() // independent clocks: skew cannot matter
	c2.Advance(time.Hour)
	e1 := NewElector(leases, "r1", ttl, c1, nil)
	e2 := NewElector(leases, "r2", ttl, c2, nil)

	e1.step(ctx)
	e2.step(ctx)
	if e1.IsLeader(ctx) != nil || !errors.Is(e2.IsLeader(ctx), ErrNotLeader) {
		t.Fatal("first replica to Create the lease should lead, the other follow")
	}

	// The leader keeps renewing: the follower never sees a stale revision.
	for range 5 {
		c1.Advance(ttl / 3)
		c2.Advance(ttl / 3)
		e1.step(ctx)
		e2.step(ctx)
		if e1.IsLeader(ctx) != nil || e2.IsLeader(ctx) == nil {
			t.Fatal("renewed lease lost or stolen")
		}
	}

	// The leader stops renewing (crash/pause): it distrusts its lease after 3/4 TTL,
	// and the follower takes over only after the revision stayed unchanged a full TTL.
	c1.Advance(ttl * 3 / 4)
	if e1.IsLeader(ctx) == nil {
		t.Fatal("leader trusts a lease it has not renewed for 3/4 TTL")
	}
	c2.Advance(ttl - time.Millisecond)
	e2.step(ctx)
	if e2.IsLeader(ctx) == nil {
		t.Fatal("follower took over before a full TTL without renewal")
	}
	c2.Advance(time.Millisecond)
	e2.step(ctx)
	if e2.IsLeader(ctx) != nil {
		t.Fatal("follower did not take over a lease unrenewed for TTL")
	}

	// The old leader comes back: its compare-and-set fails, it follows.
	e1.step(ctx)
	if e1.IsLeader(ctx) == nil {
		t.Fatal("old leader still leads after takeover")
	}

	// A graceful release lets the other replica acquire at once.
	e2.release()
	e1.step(ctx)
	if e1.IsLeader(ctx) != nil {
		t.Fatal("released lease not acquired by the next step")
	}
}
