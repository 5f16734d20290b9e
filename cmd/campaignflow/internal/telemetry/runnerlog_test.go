package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/sources"
	"github.com/campaignflow/campaignflow/sources/natstest"
)

// TestRunnerLogLinesCarryTheEventsTraceID: the runner logs a dead letter
// after the handler's span has ended; its line still carries the event's
// id, type and trace id (the upstream trace's, continued by the middleware).
func TestRunnerLogLinesCarryTheEventsTraceID(t *testing.T) {
	const upstreamTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	ctx := context.Background()
	_, url := natstest.RunJetStream(t)
	js := natstest.JetStream(t, url)
	top, err := sources.EnsureTopology(ctx, js, sources.DefaultNames(), sources.DefaultTopologyOptions())
	if err != nil {
		t.Fatal(err)
	}
	tel, _ := newTelemetry(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	h := pipeline.Chain(func(context.Context, *pipeline.Message) error {
		return pipeline.Validation(errors.New("send-promo: title is required"))
	}, tel.Middleware())
	r := pipeline.NewRunner(js, top.Names, h, pipeline.WithLogger(log))

	hdr := nats.Header{}
	hdr.Set(jetstream.MsgIDHeader, "promo-no-title")
	hdr.Set("traceparent", "00-"+upstreamTrace+"-00f067aa0ba902b7-01")
	if _, err := js.PublishMsg(ctx, &nats.Msg{Subject: top.Names.EventSubject("send-promo"), Header: hdr, Data: []byte(`{"promo_id":"p"}`)}); err != nil {
		t.Fatal(err)
	}
	batch, err := top.Consumer.Fetch(1, jetstream.FetchMaxWait(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for msg := range batch.Messages() {
		r.Process(ctx, msg)
	}

	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "event dead-lettered" {
			line = m
		}
	}
	if line == nil {
		t.Fatalf("no dead-letter log line in:\n%s", logs.String())
	}
	want := map[string]string{"event_id": "promo-no-title", "event_type": "send-promo", "trace_id": upstreamTrace}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log line %s = %v, want %q (line %v)", k, line[k], v, line)
		}
	}
}
