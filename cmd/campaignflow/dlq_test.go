package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/campaignflow/campaignflow/pipeline"
)

// deadLetter stores a dead letter as the runner writes one.
func (e *opsEnv) deadLetter(t *testing.T, typ, eventID, class, reason, body string) {
	t.Helper()
	h := nats.Header{}
	h.Set(pipeline.HeaderError, reason)
	h.Set(pipeline.HeaderErrorClass, class)
	h.Set(pipeline.HeaderAttempts, "1")
	h.Set(pipeline.HeaderOriginalSubject, "chatinc.events."+typ)
	h.Set(pipeline.HeaderOriginalSeq, "7")
	h.Set(pipeline.HeaderFailedAt, "2026-11-25T09:00:00Z")
	h.Set(pipeline.HeaderOriginalMsgID, eventID)
	h.Set(pipeline.HeaderEventType, typ)
	h.Set("Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	if _, err := e.js.PublishMsg(context.Background(), &nats.Msg{Subject: "chatinc.dlq." + typ, Header: h, Data: []byte(body)}); err != nil {
		t.Fatal(err)
	}
}

func TestDLQListShowReplayPurge(t *testing.T) {
	env := newOpsEnv(t)
	env.deadLetter(t, "send-promo", "promo-1", "validation", "promo: buttons: url and input cannot be mixed", `{"event_id":"promo-1"}`)
	env.deadLetter(t, "customer-segment-updated", "seg-1", "exhausted", "chatinc: 503 after 5 attempts", `{"event_id":"seg-1"}`)
	env.deadLetter(t, "send-promo", "promo-2", "decode", "not JSON", `{"event_id":`)
	nurl := []string{"--nats-url", env.url}

	r := execOps(t, "", append([]string{"dlq", "list"}, nurl...)...)
	if r.code() != 0 {
		t.Fatalf("list: %v", r.err)
	}
	for _, want := range []string{"promo-1", "seg-1", "promo-2", "validation", "exhausted", "decode", "3 dead letter(s)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dlq list output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = execOps(t, "", append([]string{"dlq", "list", "--type", "send-promo", "--json"}, nurl...)...)
	var listed []pipeline.DeadLetter
	if err := json.Unmarshal([]byte(r.stdout), &listed); err != nil {
		t.Fatalf("list --json: %v: %q", err, r.stdout)
	}
	if len(listed) != 2 || listed[0].EventID != "promo-1" || listed[1].Class != "decode" {
		t.Errorf("list --type send-promo --json = %+v; want promo-1 then promo-2", listed)
	}
	var whole strings.Builder // the streamed array reads as one indented encoding of the list
	enc := json.NewEncoder(&whole)
	enc.SetIndent("", "  ")
	if err := enc.Encode(listed); err != nil || whole.String() != r.stdout {
		t.Errorf("list --json is not the indented array:\n%s\nwant\n%s", r.stdout, whole.String())
	}

	r = execOps(t, "", append([]string{"dlq", "show", "1"}, nurl...)...)
	for _, want := range []string{"Campaignflow-Error-Class: validation", "Campaignflow-Original-Subject: chatinc.events.send-promo", `"event_id": "promo-1"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dlq show 1 lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := execOps(t, "", append([]string{"dlq", "show", "x1"}, nurl...)...); r.err == nil || !strings.Contains(r.err.Error(), "dlq list") {
		t.Errorf("show of a bad seq: err %v; want a pointer to `dlq list`", r.err)
	}

	// Replay one: back on its original subject with a fresh id and the
	// original headers (trace context) but not the Campaignflow-* ones.
	r = execOps(t, "", append([]string{"dlq", "replay", "1", "--force"}, nurl...)...) // its body is still invalid
	if r.code() != 0 {
		t.Fatalf("replay 1: %v", r.err)
	}
	msg, err := env.topo.Events.GetMsg(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Subject != "chatinc.events.send-promo" || string(msg.Data) != `{"event_id":"promo-1"}` {
		t.Errorf("replayed %s %q; want the original subject and payload", msg.Subject, msg.Data)
	}
	if id := msg.Header.Get("Nats-Msg-Id"); id == "" || id == "promo-1" {
		t.Errorf("replayed Nats-Msg-Id %q; want a fresh one (the original would be dropped as a duplicate)", id)
	}
	if msg.Header.Get("Traceparent") == "" || msg.Header.Get(pipeline.HeaderErrorClass) != "" {
		t.Errorf("replayed headers %v; want the original ones without Campaignflow-*", msg.Header)
	}
	if n := env.streamMsgs(t, env.topo.DLQ); n != 2 {
		t.Errorf("DLQ holds %d after replaying one of 3, want 2", n)
	}

	// Replay --all --type: only that type.
	r = execOps(t, "", append([]string{"dlq", "replay", "--all", "--type", "customer-segment-updated"}, nurl...)...)
	if r.code() != 0 || !strings.Contains(r.stdout, "1 dead letter(s) replayed") {
		t.Fatalf("replay --all --type: %v %q", r.err, r.stdout)
	}
	if n := env.streamMsgs(t, env.topo.Events); n != 2 {
		t.Errorf("events stream holds %d after two replays, want 2", n)
	}

	// Purge needs --yes.
	r = execOps(t, "", append([]string{"dlq", "purge"}, nurl...)...)
	if r.code() != 1 || env.streamMsgs(t, env.topo.DLQ) != 1 {
		t.Errorf("purge without --yes: exit %d, DLQ %d; want exit 1 and nothing removed", r.code(), env.streamMsgs(t, env.topo.DLQ))
	}
	r = execOps(t, "", append([]string{"dlq", "purge", "--yes"}, nurl...)...)
	if r.code() != 0 || env.streamMsgs(t, env.topo.DLQ) != 0 {
		t.Errorf("purge --yes: exit %d, DLQ %d; want 0 and empty", r.code(), env.streamMsgs(t, env.topo.DLQ))
	}
	r = execOps(t, "", append([]string{"dlq", "list"}, nurl...)...)
	if !strings.Contains(r.stdout, "no dead letters") {
		t.Errorf("list after purge: %q", r.stdout)
	}
}

func TestDLQReplayArguments(t *testing.T) {
	env := newOpsEnv(t)
	for _, args := range [][]string{{"dlq", "replay"}, {"dlq", "replay", "1", "--all"}, {"dlq", "replay", "1", "--type", "send-promo"}} {
		if r := execOps(t, "", append(args, "--nats-url", env.url)...); r.err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// TestDLQReplayOfAnUnfixedValidationFailure: replaying a body that still
// fails the event's checks is refused, saying why and how to replay a
// corrected body; --data replays the corrected one; --all skips it.
func TestDLQReplayOfAnUnfixedValidationFailure(t *testing.T) {
	env := newOpsEnv(t)
	bad := `{"event_id":"promo-9","promo_id":"p9","message":"hi","audiences":["vip"]}`
	env.deadLetter(t, "send-promo", "promo-9", "validation", "send-promo: title: is required", bad)
	env.deadLetter(t, "send-promo", "promo-8", "validation", "send-promo: title: is required", bad)
	nurl := []string{"--nats-url", env.url}

	r := execOps(t, "", append([]string{"dlq", "replay", "1"}, nurl...)...)
	if r.code() != 1 || !strings.Contains(r.err.Error(), "would fail again") || !strings.Contains(r.err.Error(), "title") ||
		!strings.Contains(r.err.Error(), "campaignflow dlq replay 1 --file fixed.json") {
		t.Fatalf("replay of an unfixed body: exit %d, %v", r.code(), r.err)
	}
	if n := env.streamMsgs(t, env.topo.Events); n != 0 {
		t.Fatalf("an unfixed body was replayed (%d events)", n)
	}
	r = execOps(t, "", append([]string{"dlq", "show", "1", "--body"}, nurl...)...)
	if strings.TrimSpace(r.stdout) != bad {
		t.Fatalf("show --body = %q", r.stdout)
	}
	if r = execOps(t, "", append([]string{"dlq", "replay", "1", "--data", `{"event_id":"promo-9"}`}, nurl...)...); r.code() != 1 {
		t.Fatalf("a corrected body that is still invalid was replayed: %v", r.err)
	}
	fixed := `{"event_id":"promo-9","promo_id":"p9","title":"Nine","message":"hi","audiences":["vip"]}`
	r = execOps(t, "", append([]string{"dlq", "replay", "1", "--data", fixed}, nurl...)...)
	if r.code() != 0 || !strings.Contains(r.stdout, "with the given body") {
		t.Fatalf("replay --data: %v %q", r.err, r.stdout)
	}
	msg, err := env.topo.Events.GetMsg(context.Background(), 1)
	if err != nil || string(msg.Data) != fixed {
		t.Fatalf("replayed %q (%v), want the corrected body", msg.Data, err)
	}
	r = execOps(t, "", append([]string{"dlq", "replay", "--all"}, nurl...)...)
	if r.code() != 1 || !strings.Contains(r.stdout, "0 dead letter(s) replayed, 1 skipped") || !strings.Contains(r.err.Error(), "1 dead letter(s) skipped") {
		t.Fatalf("replay --all with a letter skipped: exit %d, %v %q; want exit 1", r.code(), r.err, r.stdout)
	}
}

// TestDLQBodyOmitted: a dead letter stored without its body (too large)
// shows and checks the original's body, read from the events stream: show
// --body prints it, and a replay of a body that still fails is refused.
func TestDLQBodyOmitted(t *testing.T) {
	env := newOpsEnv(t)
	ctx := context.Background()
	bad := `{"event_id":"big-1","audience":{"id":"a"},"contacts":"notalist"}`
	ack, err := env.js.Publish(ctx, "chatinc.events.customer-segment-updated", []byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	h := nats.Header{}
	h.Set(pipeline.HeaderError, "customer-segment-updated: body is not a valid event")
	h.Set(pipeline.HeaderErrorClass, "validation")
	h.Set(pipeline.HeaderOriginalSubject, "chatinc.events.customer-segment-updated")
	h.Set(pipeline.HeaderOriginalSeq, fmt.Sprint(ack.Sequence))
	h.Set(pipeline.HeaderOriginalMsgID, "big-1")
	h.Set(pipeline.HeaderEventType, "customer-segment-updated")
	h.Set(pipeline.HeaderBodyOmitted, fmt.Sprintf("1048000 bytes not published; the original is CHATINC_EVENTS sequence %d", ack.Sequence))
	if _, err := env.js.PublishMsg(ctx, &nats.Msg{Subject: "chatinc.dlq.customer-segment-updated", Header: h}); err != nil {
		t.Fatal(err)
	}
	nurl := []string{"--nats-url", env.url}
	r := execOps(t, "", append([]string{"dlq", "show", "1", "--body"}, nurl...)...)
	if r.code() != 0 || strings.TrimSpace(r.stdout) != bad {
		t.Fatalf("show --body = %q, %v; want the original body", r.stdout, r.err)
	}
	r = execOps(t, "", append([]string{"dlq", "show", "1"}, nurl...)...)
	if !strings.Contains(r.stdout, "read from the original") || !strings.Contains(r.stdout, `"notalist"`) {
		t.Fatalf("show does not print the original body:\n%s", r.stdout)
	}
	r = execOps(t, "", append([]string{"dlq", "replay", "1"}, nurl...)...)
	if r.code() != 1 || !strings.Contains(r.err.Error(), "would fail again") {
		t.Fatalf("replay of an omitted body that still fails: exit %d, %v", r.code(), r.err)
	}
	r = execOps(t, "", append([]string{"dlq", "replay", "1", "--data", `{"event_id":"x"}`}, nurl...)...)
	if r.code() != 1 || !strings.Contains(r.err.Error(), "the body given") || strings.Contains(r.err.Error(), "dlq show") {
		t.Fatalf("replay of a given body that fails: exit %d, %v; want it to speak of the given body", r.code(), r.err)
	}
	r = execOps(t, "", append([]string{"dlq", "replay", "--all"}, nurl...)...)
	if r.code() != 1 || !strings.Contains(r.stdout, "0 dead letter(s) replayed, 1 skipped") || !strings.Contains(r.err.Error(), "1 dead letter(s) skipped") {
		t.Fatalf("replay --all with a letter skipped: exit %d, %v %q; want exit 1", r.code(), r.err, r.stdout)
	}
}
