package results

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
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
	if n := p.RunDue(ctx); n != 0 {
		t.Fatalf("a failed poll was retried at once (%d), not after its back-off", n)
	}
	fc.Advance(retryDelay(time.Second, 2))
	if n := p.RunDue(ctx); n != 1 {
		t.Fatalf("poll 1 did not run once the stream was back (%d)", n)
	}
	if snaps := e.snapshots(t); len(snaps) != 1 || snaps[0].Poll != 1 {
		t.Fatalf("snapshots %+v, want poll 1 once", snaps)
	}
}

// TestGoneRunIsDroppedWithOneLine: a plan whose run Chat Inc no longer has
// backs off (a line per try, not per second) and is dropped after
// goneAfter tries with one line saying so.
func TestGoneRunIsDroppedWithOneLine(t *testing.T) {
	e, p, fc, buf := loggedPoller(t, 5)
	ctx := context.Background()
	e.sim.Reset() // Chat Inc forgets the campaign
	advanceTo(fc, e.run, testOffsets[0])
	for range 60 { // a minute of one-second ticks
		p.RunDue(ctx)
		fc.Advance(time.Second)
	}
	if plans, err := p.Plans(ctx); err != nil || len(plans) != 0 {
		t.Fatalf("plans of a gone run: %+v (%v); want it dropped", plans, err)
	}
	logs := buf.String()
	if n := strings.Count(logs, "poll failed; retrying"); n != goneAfter-1 {
		t.Errorf("%d retry lines in a minute, want %d:\n%s", n, goneAfter-1, logs)
	}
	if n := strings.Count(logs, "its poll plan is dropped"); n != 1 {
		t.Errorf("%d drop lines, want 1:\n%s", n, logs)
	}
	if snaps := e.snapshots(t); len(snaps) != 0 {
		t.Fatalf("snapshots of a gone run: %+v", snaps)
	}
}

// TestRunOfNoContactsWarns: the first poll of a run that reached nobody
// says so, once.
func TestRunOfNoContactsWarns(t *testing.T) {
	for _, contacts := range []int{0, 3} {
		e, p, fc, buf := loggedPoller(t, contacts)
		ctx := context.Background()
		for _, off := range testOffsets[:2] {
			advanceTo(fc, e.run, off)
			if n := p.RunDue(ctx); n != 1 {
				t.Fatalf("%d contacts: %d polls at +%s", contacts, n, off)
			}
		}
		want := 0
		if contacts == 0 {
			want = 1
		}
		if n := strings.Count(buf.String(), "the run reached 0 contacts"); n != want {
			t.Errorf("%d contacts: %d warnings, want %d:\n%s", contacts, n, want, buf.String())
		}
	}
}

// loggedPoller is a poller at t0 on a fake clock over a run of contacts,
// its plan scheduled, logging into buf (RunDue logs on the caller's
// goroutine).
func loggedPoller(t *testing.T, contacts int) (*env, *Poller, *clockwork.FakeClock, *bytes.Buffer) {
	t.Helper()
	fc := clockwork.NewFakeClockAt(t0)
	e := newEnv(t, contacts, fc)
	buf := &bytes.Buffer{}
	p, err := NewPoller(e.js, jobsBucket, e.client, streamPublisher{e.js}, WithClock(fc), WithOffsets(testOffsets...),
		WithLogger(slog.New(slog.NewTextHandler(buf, nil))))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Schedule(context.Background(), e.run); err != nil {
		t.Fatal(err)
	}
	return e, p, fc, buf
}
