package pipeline_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

// TestDeadLetterAlwaysFits: a 1 MB error is cut to 4 KB, and an event whose
// dead letter would exceed the server's max payload is dead-lettered without
// its body, naming the original sequence; replay fetches the body from the
// events stream.
func TestDeadLetterAlwaysFits(t *testing.T) {
	ctx := context.Background()
	b := newBus(t)
	huge := errors.New(strings.Repeat("contacts[0].number: is required; ", 40_000))
	h := func(context.Context, *pipeline.Message) error { return pipeline.Validation(huge) }
	r := pipeline.NewRunner(b.js, b.top.Names, h, pipeline.WithMaxDeliver(3))

	small := `{"audience":{"id":"a"}}`
	// The server's max payload is 1 MB; this body fits alone but not with
	// the dead letter's headers.
	big := `{"pad":"` + strings.Repeat("x", 1<<20-600) + `"}`
	b.publish(t, "customer-segment-updated", "small", small)
	b.publish(t, "customer-segment-updated", "big", big)
	for range 2 {
		r.Process(ctx, b.next(t))
	}
	dls, err := pipeline.NewDLQ(b.js, b.top.Names).List(ctx, "")
	if err != nil || len(dls) != 2 {
		t.Fatalf("dead letters %d, %v", len(dls), err)
	}
	for _, dl := range dls {
		if dl.Class != "validation" || len(dl.Error) > pipeline.MaxErrorHeader || !strings.HasSuffix(dl.Error, "(truncated)") {
			t.Fatalf("dead letter %s: class %s, error of %d bytes", dl.EventID, dl.Class, len(dl.Error))
		}
	}
	if string(dls[0].Data) != small || dls[0].BodyOmitted != "" {
		t.Fatalf("small dead letter body %q, omitted %q", dls[0].Data, dls[0].BodyOmitted)
	}
	if len(dls[1].Data) != 0 || !strings.Contains(dls[1].BodyOmitted, "CHATINC_EVENTS sequence 2") || dls[1].OriginalSeq != 2 {
		t.Fatalf("big dead letter: %d body bytes, omitted %q, original seq %d", len(dls[1].Data), dls[1].BodyOmitted, dls[1].OriginalSeq)
	}
	seq, err := pipeline.NewDLQ(b.js, b.top.Names).Replay(ctx, dls[1].Seq)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.top.Events.GetMsg(ctx, seq)
	if err != nil || string(raw.Data) != big {
		t.Fatalf("replayed body of %d bytes, %v", len(raw.Data), err)
	}
}

// TestOverDeliveredMessageIsDeadLettered: the consumer redelivers without
// limit; a message delivered more than max_deliver times without being
// settled (its worker died each time) is dead-lettered as exhausted without
// running the handler again.
func TestOverDeliveredMessageIsDeadLettered(t *testing.T) {
	ctx := context.Background()
	b := newBus(t)
	calls := 0
	h := func(context.Context, *pipeline.Message) error { calls++; return nil }
	r := pipeline.NewRunner(b.js, b.top.Names, h, pipeline.WithMaxDeliver(3))
	b.publish(t, "send-promo", "crasher", `{}`)
	for range 3 { // three deliveries that are never settled (a worker dies)
		if err := b.next(t).Nak(); err != nil {
			t.Fatal(err)
		}
	}
	r.Process(ctx, b.next(t))
	if calls != 0 {
		t.Fatalf("handler ran %d times on the 4th delivery", calls)
	}
	dls, err := pipeline.NewDLQ(b.js, b.top.Names).List(ctx, "")
	if err != nil || len(dls) != 1 || dls[0].Class != "exhausted" || dls[0].Attempts != 4 || !strings.Contains(dls[0].Error, "delivered 4 times") {
		t.Fatalf("dead letters %+v, %v", dls, err)
	}
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) {
		info, err := b.top.Consumer.Info(ctx)
		return err == nil && info.NumAckPending == 0 && info.NumPending == 0, "nothing pending after the dead letter"
	})
}

// TestDeadLettersDropNATSControlHeadersAndReplaysKeepValidIDs: an event
// published with Nats-Expected-* headers is dead-lettered with its body and
// replays (the headers would make both publishes fail), and a replayed id
// near the 256-byte limit stays a valid id, replay after replay.
func TestDeadLettersDropNATSControlHeadersAndReplaysKeepValidIDs(t *testing.T) {
	ctx := context.Background()
	b := newBus(t)
	h := func(context.Context, *pipeline.Message) error { return pipeline.Validation(errors.New("not yet")) }
	r := pipeline.NewRunner(b.js, b.top.Names, h, pipeline.WithMaxDeliver(3))
	long := strings.Repeat("i", 250)
	msg := &nats.Msg{Subject: b.top.Names.EventSubject("send-promo"), Data: []byte(`{"a":1}`), Header: nats.Header{}}
	msg.Header.Set(jetstream.MsgIDHeader, long)
	msg.Header.Set("Nats-Expected-Stream", "CHATINC_EVENTS")
	msg.Header.Set("Nats-Expected-Last-Subject-Sequence", "0")
	if _, err := b.js.PublishMsg(ctx, msg); err != nil {
		t.Fatal(err)
	}
	dlq := pipeline.NewDLQ(b.js, b.top.Names)
	for round := range 3 {
		r.Process(ctx, b.next(t))
		dls, err := dlq.List(ctx, "")
		if err != nil || len(dls) != 1 {
			t.Fatalf("round %d: dead letters %d, %v", round, len(dls), err)
		}
		dl := dls[0]
		if dl.BodyOmitted != "" || string(dl.Data) != `{"a":1}` || dl.Header.Get("Nats-Expected-Stream") != "" {
			t.Fatalf("round %d: dead letter body %q omitted %q headers %v", round, dl.Data, dl.BodyOmitted, dl.Header)
		}
		seq, err := dlq.Replay(ctx, dl.Seq)
		if err != nil {
			t.Fatalf("round %d: replay: %v", round, err)
		}
		raw, err := b.top.Events.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		if id := raw.Header.Get(jetstream.MsgIDHeader); len(id) > 256 || !strings.HasPrefix(id, long[:200]) {
			t.Fatalf("round %d: replayed id of %d bytes: %q", round, len(id), id)
		}
	}
}
