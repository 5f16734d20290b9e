package sinks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/schemas"
	"github.com/campaignflow/campaignflow/sinks"
	"github.com/campaignflow/campaignflow/sources"
	"github.com/campaignflow/campaignflow/sources/natstest"
)

func results(t testing.TB) (jetstream.JetStream, *sources.Topology) {
	t.Helper()
	_, url := natstest.RunJetStream(t)
	js := natstest.JetStream(t, url, jetstream.WithPublishAsyncMaxPending(256))
	top, err := sources.EnsureTopology(context.Background(), js, sources.DefaultNames(), sources.DefaultTopologyOptions())
	if err != nil {
		t.Fatal(err)
	}
	return js, top
}

// TestSnapshotPublishedTwiceIsStoredOnce forces the same poll twice.
func TestSnapshotPublishedTwiceIsStoredOnce(t *testing.T) {
	ctx := context.Background()
	js, top := results(t)
	p := sinks.NewPublisher(js, top.Names, sinks.WithBatchRows(2))
	s := sinks.CampaignSnapshot{CampaignID: "c1", RunID: "r1", Poll: 2, Title: "t", TakenAt: time.Now(), Sent: 3, Delivered: 2}
	s.Rates()
	rows := make([]sinks.ContactOutcome, 5)
	for i := range rows {
		rows[i] = sinks.ContactOutcome{CampaignID: "c1", RunID: "r1", Number: "+2782123456" + string(rune('0'+i)), Status: "delivered", UpdatedAt: time.Now()}
	}
	for range 2 {
		if err := p.PublishSnapshot(ctx, s); err != nil {
			t.Fatal(err)
		}
		if err := p.PublishContactOutcomes(ctx, "c1", "r1", 2, rows); err != nil {
			t.Fatal(err)
		}
		if err := p.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	info, _ := top.Results.Info(ctx)
	if info.State.Msgs != 4 { // 1 snapshot + 3 contact batches (2+2+1)
		t.Fatalf("%d messages in the results stream, want 4", info.State.Msgs)
	}
	msg, err := top.Results.GetLastMsgForSubject(ctx, "chatinc.results.campaign.c1")
	if err != nil || msg.Header.Get("Nats-Msg-Id") != "c1:r1:2" {
		t.Fatalf("snapshot %v %v", msg, err)
	}
	if err := schemas.Validate(sinks.SchemaCampaignSnapshot, msg.Data); err != nil {
		t.Fatal(err)
	}
	batch, _ := top.Results.GetLastMsgForSubject(ctx, "chatinc.results.contacts.c1")
	var b sinks.ContactOutcomeBatch
	_ = json.Unmarshal(batch.Data, &b)
	if b.Batch != 2 || len(b.Rows) != 1 || batch.Header.Get("Nats-Msg-Id") != "c1:r1:2:2" {
		t.Fatalf("last batch %+v id %s", b, batch.Header.Get("Nats-Msg-Id"))
	}
	if err := schemas.Validate(sinks.SchemaContactOutcome, batch.Data); err != nil {
		t.Fatal(err)
	}
	if err := p.PublishIngestReport(ctx, sinks.IngestReport{EventID: "e1", EventType: "x", AudienceID: "a"}); err != nil {
		t.Fatal(err)
	}
	rep, _ := top.Results.GetLastMsgForSubject(ctx, "chatinc.results.ingest.e1")
	if err := schemas.Validate(sinks.SchemaIngestReport, rep.Data); err != nil {
		t.Fatal(err)
	}
	send := sinks.SendReport{PromoID: "bf.2026:a", RunKey: "promo.bf=2E2026=3Aa.run.now", CampaignID: "c1", RunID: "r1",
		RunAt: time.Now(), DerivedAudience: "cfsend.promo.bf=2E2026=3Aa.run.now", ContactsTotal: 3, ContactsSent: 2, Capped: 1, CapMax: 2, CapPer: "7d"}
	if err := p.PublishSendReport(ctx, send); err != nil {
		t.Fatal(err)
	}
	msg, err = top.Results.GetLastMsgForSubject(ctx, "chatinc.results.send.bf=2E2026=3Aa")
	if err != nil || msg.Header.Get("Nats-Msg-Id") != "send:promo.bf=2E2026=3Aa.run.now" {
		t.Fatalf("send report %v %v", msg, err)
	}
	if err := schemas.Validate(sinks.SchemaSendReport, msg.Data); err != nil {
		t.Fatal(err)
	}
}

// TestEachCallerLearnsOnlyItsOwnFate: while one caller's publish fails (no
// stream takes its subject) and is retried, other callers publishing
// reports at the same time get their own acks and no error of its.
func TestEachCallerLearnsOnlyItsOwnFate(t *testing.T) {
	ctx := context.Background()
	js, top := results(t)
	p := sinks.NewPublisher(js, top.Names)
	bad := make(chan error, 1)
	go func() { bad <- p.PublishRaw(ctx, "nowhere.x", "bad-1", []byte("{}"), nil) }()
	for i := range 20 {
		id := fmt.Sprintf("good-%d", i)
		if err := p.PublishIngestReport(ctx, sinks.IngestReport{EventID: id, EventType: "x", AudienceID: "a"}); err != nil {
			t.Fatalf("%s: %v (another caller's failure?)", id, err)
		}
		if _, err := top.Results.GetLastMsgForSubject(ctx, "chatinc.results.ingest."+id); err != nil {
			t.Fatalf("%s returned before it was stored: %v", id, err)
		}
	}
	if err := <-bad; err == nil || !strings.Contains(err.Error(), "bad-1") {
		t.Fatalf("the failing caller got %v, want its own failure naming bad-1", err)
	}
}
