package results

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

var testOffsets = []time.Duration{time.Minute, 10 * time.Minute, time.Hour, 6 * time.Hour}

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// advanceTo moves the fake clock (and with it the sandbox) to run.At+off.
func advanceTo(fc *clockwork.FakeClock, run RunInfo, off time.Duration) {
	fc.Advance(run.At.Add(off).Sub(fc.Now()))
}

func TestPollPlanPublishesSnapshotsInOrder(t *testing.T) {
	fc := clockwork.NewFakeClockAt(t0)
	e := newEnv(t, 40, fc)
	ctx := context.Background()
	p := e.scheduledPoller(t, fc)
	if err := p.Schedule(ctx, e.run); err != nil { // a redelivered event: same plan
		t.Fatal(err)
	}
	for i, off := range testOffsets {
		if n := p.RunDue(ctx); n != 0 {
			t.Fatalf("poll %d ran before it was due", i+1)
		}
		advanceTo(fc, e.run, off)
		if n := p.RunDue(ctx); n != 1 {
			t.Fatalf("at +%s: %d polls ran, want 1", off, n)
		}
	}
	if plans, err := p.Plans(ctx); err != nil || len(plans) != 0 {
		t.Fatalf("plan not finished: %+v %v", plans, err)
	}

	snaps := e.snapshots(t)
	if len(snaps) != len(testOffsets) {
		t.Fatalf("%d snapshots, want %d", len(snaps), len(testOffsets))
	}
	for i, s := range snaps {
		t.Logf("poll %d at +%s: sent %d delivered %d read %d send_errors %d delivery_errors %d not_on_whatsapp %d rates %.3f/%.3f",
			s.Poll, testOffsets[i], s.Sent, s.Delivered, s.Read, s.SendErrors, s.DeliveryErrors, s.NotOnWhatsApp, s.DeliveryRate, s.ReadRate)
		if s.Poll != i+1 || s.CampaignID != e.run.CampaignID || s.RunID != e.run.RunID || s.PromoID != "bf" || s.Schema != "campaign_snapshot.v1" {
			t.Errorf("snapshot %d: %+v", i, s)
		}
		if !s.TakenAt.Equal(e.run.At.Add(testOffsets[i])) {
			t.Errorf("snapshot %d taken at %s, want run+%s", i, s.TakenAt, testOffsets[i])
		}
		if i > 0 && (s.Sent < snaps[i-1].Sent || s.Delivered < snaps[i-1].Delivered || s.Read < snaps[i-1].Read) {
			t.Errorf("counts went down from poll %d to %d: %+v -> %+v", i, i+1, snaps[i-1], s)
		}
	}
	last := snaps[len(snaps)-1]
	if last.Sent == 0 || last.Delivered == 0 || last.Read == 0 || last.ReadRate != float64(last.Read)/float64(last.Delivered) {
		t.Errorf("final snapshot has no traffic or wrong rates: %+v", last)
	}

	// Contact rows: each contact's published statuses change at every row
	// and end at the status Chat Inc reports now.
	history := map[string][]string{}
	for _, b := range e.outcomes(t) {
		for _, r := range b.Rows {
			history[r.Number] = append(history[r.Number], r.Status)
		}
	}
	final := 0
	for r, err := range e.client.CampaignDetails(ctx, chatinc.CampaignDetailsRequest{CampaignID: e.run.CampaignID, RunID: e.run.RunID}) {
		if err != nil {
			t.Fatal(err)
		}
		final++
		h := history[r.Number]
		if len(h) == 0 || h[len(h)-1] != r.Action {
			t.Errorf("contact %s: published %v, Chat Inc says %s", r.Number, h, r.Action)
		}
		if len(slices.Compact(slices.Clone(h))) != len(h) {
			t.Errorf("contact %s: unchanged status published again: %v", r.Number, h)
		}
	}
	if final != 40 || len(history) != 40 {
		t.Errorf("contacts: Chat Inc %d, published %d, want 40", final, len(history))
	}
}

func TestSamePollTwiceIsOneMessage(t *testing.T) {
	fc := clockwork.NewFakeClockAt(t0)
	e := newEnv(t, 10, fc)
	ctx := context.Background()
	p := e.scheduledPoller(t, fc)
	advanceTo(fc, e.run, testOffsets[0])
	if p.RunDue(ctx) != 1 {
		t.Fatal("poll 1 did not run")
	}
	// Forced re-poll, and a poll whose "done" mark was lost (crash after the acks).
	if err := p.Repoll(ctx, e.run, 1); err != nil {
		t.Fatal(err)
	}
	kv, _ := e.js.KeyValue(ctx, jobsBucket)
	entry, err := kv.Get(ctx, pollKey(e.run.CampaignID, e.run.RunID))
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := decodePlan(entry.Key(), entry.Value())
	plan.Next, plan.SnapshotDone = 0, 0
	if _, err := p.update(ctx, entry.Key(), entry.Revision(), plan); err != nil {
		t.Fatal(err)
	}
	if p.RunDue(ctx) != 1 {
		t.Fatal("reset poll 1 did not run again")
	}
	if snaps := e.snapshots(t); len(snaps) != 1 || snaps[0].Poll != 1 {
		t.Fatalf("stream holds %d snapshots %+v, want exactly poll 1 once", len(snaps), snaps)
	}
}

func TestRestartedPollerContinuesPlan(t *testing.T) {
	fc := clockwork.NewFakeClockAt(t0)
	e := newEnv(t, 10, fc)
	ctx := context.Background()
	p1, err := NewPoller(e.js, jobsBucket, e.client, streamPublisher{e.js}, WithClock(fc), WithOffsets(testOffsets...))
	if err != nil {
		t.Fatal(err)
	}
	if err := p1.Schedule(ctx, e.run); err != nil {
		t.Fatal(err)
	}
	for _, off := range testOffsets[:2] {
		advanceTo(fc, e.run, off)
		p1.RunDue(ctx)
	}
	// A new worker: its own connection and other options; the persisted plan rules.
	_, js2 := connect(t, e.url)
	p2, err := NewPoller(js2, jobsBucket, e.client, streamPublisher{js2}, WithClock(fc), WithTimeScale(1000))
	if err != nil {
		t.Fatal(err)
	}
	plans, err := p2.Plans(ctx)
	if err != nil || len(plans) != 1 || plans[0].Next != 2 {
		t.Fatalf("restarted worker sees plans %+v (%v), want one at poll 3", plans, err)
	}
	for _, off := range testOffsets[2:] {
		advanceTo(fc, e.run, off)
		if p2.RunDue(ctx) != 1 {
			t.Fatalf("restarted worker did not run the poll at +%s", off)
		}
	}
	var polls []int
	for _, s := range e.snapshots(t) {
		polls = append(polls, s.Poll)
	}
	if !slices.Equal(polls, []int{1, 2, 3, 4}) {
		t.Fatalf("polls in stream %v, want [1 2 3 4]", polls)
	}
}

func TestRunPollsOnlyWhileLeader(t *testing.T) {
	fc := clockwork.NewFakeClockAt(t0)
	e := newEnv(t, 5, fc)
	ctx, cancel := context.WithCancel(context.Background())
	var leader atomic.Bool
	var asked atomic.Int32
	isLeader := func(context.Context) bool { asked.Add(1); return leader.Load() }
	p, err := NewPoller(e.js, jobsBucket, e.client, streamPublisher{e.js}, WithClock(fc), WithOffsets(time.Minute),
		WithInterval(time.Second), WithIsLeader(isLeader))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Schedule(ctx, e.run); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()

	advanceTo(fc, e.run, time.Minute)
	want := asked.Load() + 3
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) { // moving the fake clock on each check
		if asked.Load() >= want {
			return true, ""
		}
		fc.Advance(time.Second)
		return false, "3 leadership checks with the poll due"
	})
	if n := len(e.snapshots(t)); n != 0 {
		t.Fatalf("a follower published %d snapshots", n)
	}
	leader.Store(true)
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) {
		if len(e.snapshots(t)) == 1 {
			return true, ""
		}
		fc.Advance(time.Second)
		return false, "the leader to poll"
	})
}
