package pipeline_test

import (
	"context"
	"errors"
	"testing"

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
