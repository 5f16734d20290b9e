package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/campaignflow/campaignflow/pipeline"
)

// TestDLQReplay dead-letters an event, replays it (fixed), and checks the
// replay is processed once and the dead letter is gone.
func TestDLQReplay(t *testing.T) {
	ctx := context.Background()
	b := newBus(t)
	fixed := false
	handled := 0
	h := func(_ context.Context, m *pipeline.Message) error {
		if !fixed {
			return pipeline.Validation(errors.New("audience missing"))
		}
		handled++
		return nil
	}
	r := pipeline.NewRunner(b.js, b.top.Names, h)
	b.publish(t, "customer-segment-updated", "seg-1", `{"event_id":"seg-1"}`)
	b.publish(t, "send-promo", "promo-1", `{"event_id":"promo-1"}`)
	r.Process(ctx, b.next(t))
	r.Process(ctx, b.next(t))
	dlq := pipeline.NewDLQ(b.js, b.top.Names)
	if dls, _ := dlq.List(ctx, "send-promo"); len(dls) != 1 || dls[0].EventID != "promo-1" {
		t.Fatalf("filtered list = %+v", dls)
	}
	one, err := dlq.Show(ctx, 1)
	if err != nil || one.EventID != "seg-1" {
		t.Fatalf("show = %+v, %v", one, err)
	}
	fixed = true
	seq, err := dlq.Replay(ctx, 1)
	if err != nil || seq != 3 {
		t.Fatalf("replay = %d, %v", seq, err)
	}
	m := b.next(t)
	if m.Headers().Get("Nats-Msg-Id") != "seg-1-replay-1" || m.Headers().Get(pipeline.HeaderError) != "" {
		t.Fatalf("replayed headers %v", m.Headers())
	}
	r.Process(ctx, m)
	if handled != 1 {
		t.Fatalf("replay handled %d times", handled)
	}
	if _, err := dlq.Show(ctx, 1); err == nil {
		t.Fatal("the replayed dead letter is still there")
	}
	// Replaying twice is refused (it is gone), nothing is published again.
	if _, err := dlq.Replay(ctx, 1); err == nil {
		t.Fatal("replaying a removed dead letter succeeded")
	}
	if err := dlq.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	if dls, _ := dlq.List(ctx, ""); len(dls) != 0 {
		t.Fatalf("after purge: %+v", dls)
	}
}

// TestDLQAllStreamsEveryDeadLetter: more dead letters than one read holds
// are yielded oldest first, gaps (replayed ones) skipped, the type filter
// applied, and a caller that stops early stops the read.
func TestDLQAllStreamsEveryDeadLetter(t *testing.T) {
	ctx := context.Background()
	b := newBus(t)
	const n = 700
	for i := range n {
		typ := "send-promo"
		if i%2 == 1 {
			typ = "customer-segment-updated"
		}
		h := nats.Header{}
		h.Set(pipeline.HeaderEventType, typ)
		h.Set(pipeline.HeaderOriginalMsgID, fmt.Sprintf("e-%d", i))
		if _, err := b.js.PublishMsg(ctx, &nats.Msg{Subject: "chatinc.dlq." + typ, Header: h, Data: []byte("{}")}); err != nil {
			t.Fatal(err)
		}
	}
	dlq := pipeline.NewDLQ(b.js, b.top.Names)
	s, err := b.js.Stream(ctx, b.top.Names.DLQStream)
	if err != nil {
		t.Fatal(err)
	}
	for _, seq := range []uint64{1, 300, n} { // the first, one inside, the last
		if err := s.DeleteMsg(ctx, seq); err != nil {
			t.Fatal(err)
		}
	}
	var seqs []uint64
	for dl, err := range dlq.All(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("e-%d", dl.Seq-1); dl.EventID != want {
			t.Fatalf("dead letter %d has event id %q, want %q", dl.Seq, dl.EventID, want)
		}
		seqs = append(seqs, dl.Seq)
	}
	if len(seqs) != n-3 || seqs[0] != 2 || seqs[len(seqs)-1] != n-1 || !slices.IsSorted(seqs) || slices.Contains(seqs, 300) {
		t.Fatalf("yielded %d dead letters (%d..%d); want %d, oldest first, without the deleted 1, 300 and %d",
			len(seqs), seqs[0], seqs[len(seqs)-1], n-3, n)
	}
	promos, err := dlq.Seqs(ctx, "send-promo")
	if err != nil || len(promos) != n/2-1 { // of the deleted, only seq 1 (e-0) was a promo
		t.Fatalf("send-promo seqs: %d, %v; want %d", len(promos), err, n/2-1)
	}
	got := 0
	for range dlq.All(ctx, "") {
		if got++; got == 10 {
			break
		}
	}
	if got != 10 {
		t.Fatalf("stopped after %d, want 10", got)
	}
}
