package results

import (
	"context"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/nats-io/nats.go/jetstream"
)

// TestUnavailableStreamKeepsPollPending: while the results stream is
// missing, a due poll fails, stays pending with its error recorded, and is
// published exactly once after the stream is back.
func TestUnavailableStreamKeepsPollPending(t *testing.T) {
	fc := clockwork.NewFakeClockAt(t0)
	e := newEnv(t, 5, fc)
	ctx := context.Background()
	p := e.scheduledPoller(t, fc)
	if err := e.js.DeleteStream(ctx, resultsName); err != nil {
		t.Fatal(err)
	}
	advanceTo(fc, e.run, testOffsets[0])
	for range 2 {
		if n := p.RunDue(ctx); n != 0 {
			t.Fatalf("%d polls reported done with no stream", n)
		}
	}
	plans, err := p.Plans(ctx)
	if err != nil || len(plans) != 1 || plans[0].Next != 0 || plans[0].LastError == "" {
		t.Fatalf("plan after failed polls: %+v (%v); want poll 1 pending with its error", plans, err)
	}
	if _, err := e.js.CreateStream(ctx, jetstream.StreamConfig{Name: resultsName, Subjects: []string{"chatinc.results.>"}, Duplicates: 2 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	if n := p.RunDue(ctx); n != 1 {
		t.Fatalf("poll 1 did not run once the stream was back (%d)", n)
	}
	if snaps := e.snapshots(t); len(snaps) != 1 || snaps[0].Poll != 1 {
		t.Fatalf("snapshots %+v, want poll 1 once", snaps)
	}
}
