package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
	"github.com/campaignflow/campaignflow/sources"
	"github.com/campaignflow/campaignflow/sources/natstest"
)

type bus struct {
	js  jetstream.JetStream
	top *sources.Topology
}

func newBus(t *testing.T) *bus {
	t.Helper()
	_, url := natstest.RunJetStream(t)
	js := natstest.JetStream(t, url)
	opts := sources.DefaultTopologyOptions()
	opts.MaxDeliver = 3
	top, err := sources.EnsureTopology(context.Background(), js, sources.DefaultNames(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return &bus{js: js, top: top}
}

func (b *bus) publish(t *testing.T, typ, id, body string) {
	t.Helper()
	msg := &nats.Msg{Subject: b.top.Names.EventSubject(typ), Data: []byte(body), Header: nats.Header{}}
	if id != "" {
		msg.Header.Set(jetstream.MsgIDHeader, id)
	}
	if _, err := b.js.PublishMsg(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
}

// next fetches one message from the events consumer.
func (b *bus) next(t *testing.T) jetstream.Msg {
	t.Helper()
	batch, err := b.top.Consumer.Fetch(1, jetstream.FetchMaxWait(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for m := range batch.Messages() {
		return m
	}
	t.Fatal("no message within 10s")
	return nil
}

type outcomes struct {
	mu  sync.Mutex
	got []string
}

func (o *outcomes) OnOutcome(_ context.Context, typ string, out pipeline.Outcome, c pipeline.Class, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got = append(o.got, fmt.Sprintf("%s:%s:%s", typ, out, c))
}

func TestRunnerOutcomes(t *testing.T) {
	ctx := context.Background()
	b := newBus(t)
	calls := map[string]int{}
	h := func(_ context.Context, m *pipeline.Message) error {
		calls[m.ID]++
		switch m.ID {
		case "ok":
			return nil
		case "flaky":
			if calls[m.ID] == 1 {
				return errors.New("chatinc: /v1/create/audience: 503")
			}
			return nil
		case "invalid":
			return pipeline.Validation(errors.New("send-promo: title is required"))
		case "down":
			return errors.New("chat inc down")
		}
		return nil
	}
	obs := &outcomes{}
	r := pipeline.NewRunner(b.js, b.top.Names, h, pipeline.WithMaxDeliver(3), pipeline.WithNakBackoff(10*time.Millisecond, 50*time.Millisecond), pipeline.WithObserver(obs))
	b.publish(t, "customer-segment-updated", "ok", `{}`)
	b.publish(t, "customer-segment-updated", "flaky", `{}`)
	b.publish(t, "send-promo", "invalid", `{"title":""}`)
	b.publish(t, "send-promo", "down", `{}`)
	b.publish(t, "send-promo", "", `not json`)
	// ok, flaky(nak), invalid(dlq), down(nak), bad(dlq), flaky(ack), down(nak), down(dlq exhausted)
	for range 8 {
		r.Process(ctx, b.next(t))
	}
	want := []string{
		"customer-segment-updated:ack:transient", "customer-segment-updated:nak:transient", "send-promo:dead_letter:validation",
		"send-promo:nak:transient", "send-promo:dead_letter:decode", "customer-segment-updated:ack:transient",
		"send-promo:nak:transient", "send-promo:dead_letter:exhausted",
	}
	// Redeliveries come back after their nak delay, so the order between
	// messages depends on timing; the outcomes themselves do not.
	obs.mu.Lock()
	got := slices.Sorted(slices.Values(obs.got))
	obs.mu.Unlock()
	slices.Sort(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("outcomes\n got %v\nwant %v", got, want)
	}
	// Nothing left, nothing redelivered.
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) {
		info, _ := b.top.Consumer.Info(ctx)
		return info.NumPending == 0 && info.NumAckPending == 0, "consumer drained"
	})
	dlq := pipeline.NewDLQ(b.js, b.top.Names)
	dls, err := dlq.List(ctx, "")
	if err != nil || len(dls) != 3 {
		t.Fatalf("dead letters %+v, %v", dls, err)
	}
	inv := dls[0]
	if inv.Class != "validation" || inv.EventID != "invalid" || inv.Attempts != 1 || inv.OriginalSubject != "chatinc.events.send-promo" ||
		inv.OriginalSeq != 3 || inv.FailedAt.IsZero() || string(inv.Data) != `{"title":""}` || !strings.Contains(inv.Error, "title is required") {
		t.Fatalf("validation dead letter = %+v", inv)
	}
	if dls[1].Class != "decode" || dls[2].Class != "exhausted" || dls[2].Attempts != 3 {
		t.Fatalf("dead letters = %+v", dls)
	}
}

func TestDecode(t *testing.T) {
	b := newBus(t)
	cases := []struct {
		name, subjectType, id, body string
		wantType, wantID, wantData  string
		wantErr                     string
	}{
		{"plain with header id", "send-promo", "h1", `{"event_id":"b1","promo_id":"p"}`, "send-promo", "h1", `{"event_id":"b1","promo_id":"p"}`, ""},
		{"plain with body id", "send-promo", "", `{"event_id":"b1"}`, "send-promo", "b1", `{"event_id":"b1"}`, ""},
		{"cloudevents", "schedule-cancelled", "", `{"specversion":"1.0","id":"ce1","type":"com.example.schedule-cancelled","source":"/x","data":{"promo_id":"p"}}`,
			"schedule-cancelled", "ce1", `{"promo_id":"p"}`, ""},
		{"cloudevents, event_id in data beats ce id", "send-promo", "", `{"specversion":"1.0","id":"ce1","type":"send-promo","data":{"event_id":"d1"}}`, "send-promo", "d1", `{"event_id":"d1"}`, ""},
		{"cloudevents with header id", "send-promo", "h3", `{"specversion":"1.0","id":"ce1","type":"send-promo","data":{"promo_id":"p"}}`, "send-promo", "h3", `{"promo_id":"p"}`, ""},
		{"header id, trailing garbage", "send-promo", "h4", `{"a":1} x`, "", "", "", "invalid JSON"},
		{"no id", "send-promo", "", `{"promo_id":"p"}`, "", "", "", "has no id"},
		{"not json", "send-promo", "x", `{"a":`, "", "", "", "invalid JSON"},
		{"array", "send-promo", "x2", `[1]`, "", "", "", "not a JSON object"},
		{"cloudevents without data", "send-promo", "", `{"specversion":"1.0","id":"c","type":"send-promo"}`, "", "", "", "no JSON object in data"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b.publish(t, tc.subjectType, tc.id, tc.body)
			msg := b.next(t)
			_ = msg.Ack()
			m, err := pipeline.Decode(msg, b.top.Names)
			if tc.wantErr != "" {
				if !errors.Is(err, pipeline.ErrDecode) || !strings.Contains(err.Error(), tc.wantErr) || pipeline.ClassOf(err) != pipeline.ClassDecode {
					t.Fatalf("err = %v, want decode error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || m.Type != tc.wantType || m.ID != tc.wantID || string(m.Data) != tc.wantData || m.Delivered != 1 {
				t.Fatalf("got %+v, %v", m, err)
			}
		})
	}
}

// TestDecodeRefusesBadIdentity: ids over 256 bytes or outside printable
// ASCII, and a CloudEvents type that disagrees with the subject, are
// validation errors (dead letter, never retried), whose messages stay short.
func TestDecodeRefusesBadIdentity(t *testing.T) {
	b := newBus(t)
	long := strings.Repeat("x", 10_000)
	cases := []struct {
		name, subjectType, id, body, wantErr string
	}{
		{"10 KB header id", "send-promo", long, `{"promo_id":"p"}`, "Nats-Msg-Id header: ids: invalid id: 10000 bytes"},
		{"10 KB event_id", "send-promo", "", `{"event_id":"` + long + `"}`, "event_id: ids: invalid id: 10000 bytes"},
		{"space in event_id", "send-promo", "", `{"event_id":"a b"}`, "a space at byte 1"},
		{"non-ASCII in header id", "send-promo", "idÿ", `{}`, "non-ASCII"},
		{"10 KB CloudEvents id", "send-promo", "", `{"specversion":"1.0","id":"` + long + `","type":"send-promo","data":{}}`, "CloudEvents id: ids: invalid id"},
		{"CloudEvents type disagrees with subject", "customer-segment-updated", "h", `{"specversion":"1.0","id":"c","type":"send-promo","data":{}}`,
			`CloudEvents type "send-promo" disagrees with subject "chatinc.events.customer-segment-updated"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b.publish(t, tc.subjectType, tc.id, tc.body)
			msg := b.next(t)
			_ = msg.Ack()
			m, err := pipeline.Decode(msg, b.top.Names)
			if pipeline.ClassOf(err) != pipeline.ClassValidation || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want a validation error with %q", err, tc.wantErr)
			}
			if len(err.Error()) > 400 || len(m.ID) > 3*256 {
				t.Fatalf("error of %d bytes, id of %d bytes", len(err.Error()), len(m.ID))
			}
		})
	}
}

func TestClassOf(t *testing.T) {
	cases := []struct {
		err  error
		want pipeline.Class
	}{
		{pipeline.Validation(errors.New("x")), pipeline.ClassValidation},
		{pipeline.Permanent(errors.New("x")), pipeline.ClassPermanent},
		{fmt.Errorf("outer: %w", pipeline.Permanent(pipeline.Transient(errors.New("x"), 0))), pipeline.ClassPermanent},
		{context.DeadlineExceeded, pipeline.ClassTransient},
		{fmt.Errorf("wrapped: %w", pipeline.ErrDecode), pipeline.ClassDecode},
		{errors.New("unknown"), pipeline.ClassTransient},
	}
	for _, tc := range cases {
		if got := pipeline.ClassOf(tc.err); got != tc.want {
			t.Errorf("ClassOf(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	if d := pipeline.RetryAfterOf(fmt.Errorf("w: %w", pipeline.Transient(errors.New("429"), 3*time.Second))); d != 3*time.Second {
		t.Errorf("RetryAfterOf = %v", d)
	}
}

func TestRouterAndRecover(t *testing.T) {
	r := pipeline.NewRouter()
	var order []string
	r.Use(pipeline.Recover(), func(next pipeline.Handler) pipeline.Handler {
		return func(ctx context.Context, m *pipeline.Message) error { order = append(order, "mw"); return next(ctx, m) }
	})
	r.Handle("a", func(context.Context, *pipeline.Message) error { order = append(order, "a"); return nil })
	r.Handle("boom", func(context.Context, *pipeline.Message) error { panic("kaboom") })
	h := r.Handler()
	if err := h(context.Background(), &pipeline.Message{Type: "a"}); err != nil || strings.Join(order, ",") != "mw,a" {
		t.Fatalf("err %v order %v", err, order)
	}
	err := h(context.Background(), &pipeline.Message{Type: "nope", ID: "e1"})
	if pipeline.ClassOf(err) != pipeline.ClassPermanent || !strings.Contains(err.Error(), "known: a, boom") {
		t.Fatalf("unknown type: %v", err)
	}
	err = h(context.Background(), &pipeline.Message{Type: "boom", ID: "e2"})
	if pipeline.ClassOf(err) != pipeline.ClassPermanent || !strings.Contains(err.Error(), "kaboom") {
		t.Fatalf("panic: %v", err)
	}
}

// TestRunnerLogsNaks: every nak is explained (reason, attempt, next delay)
// on its first occurrence, then at most once per interval per message.
func TestRunnerLogsNaks(t *testing.T) {
	ctx := context.Background()
	b := newBus(t)
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	advance := clock.Advance
	var buf pipelinetest.SyncBuffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	h := func(context.Context, *pipeline.Message) error {
		return errors.New("sources: file \"x.csv\": not reachable")
	}
	r := pipeline.NewRunner(b.js, b.top.Names, h, pipeline.WithMaxDeliver(3), pipeline.WithNakBackoff(time.Millisecond, time.Millisecond),
		pipeline.WithLogger(log), pipeline.WithClock(clock), pipeline.WithNakLogInterval(time.Minute))
	b.publish(t, "audience-file-uploaded", "quiet", `{}`)
	r.Process(ctx, b.next(t)) // nak 1: logged
	advance(10 * time.Second)
	r.Process(ctx, b.next(t)) // nak 2, within the interval: not logged
	r.Process(ctx, b.next(t)) // dead letter
	b.publish(t, "audience-file-uploaded", "spaced", `{}`)
	r.Process(ctx, b.next(t)) // nak 1: logged
	advance(2 * time.Minute)
	r.Process(ctx, b.next(t)) // nak 2, after the interval: logged
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		if m["msg"] == "event failed, will retry" {
			lines = append(lines, m)
		}
	}
	var got []string
	for _, m := range lines {
		got = append(got, fmt.Sprintf("%v@%v", m["event_id"], m["attempt"]))
		if m["next_delay"] != "1ms" || !strings.Contains(fmt.Sprint(m["err"]), "not reachable") || m["level"] != "WARN" || m["max_deliver"] != 3.0 {
			t.Fatalf("nak line = %v", m)
		}
	}
	if strings.Join(got, " ") != "quiet@1 spaced@1 spaced@2" {
		t.Fatalf("nak lines for %v, want quiet@1 spaced@1 spaced@2\n%s", got, buf.String())
	}
}
