package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/jobs"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

func (e *env) seedAudience(t *testing.T) {
	t.Helper()
	err := e.h.Segment.Handle(context.Background(), "seed", &events.SegmentUpdated{
		Audience:      events.Audience{ID: "vip", Name: "VIP"},
		Contacts:      []events.Contact{{Number: "+27821234567", Attributes: map[string]string{"first_name": "Thandi"}}},
		VariableGroup: &events.VariableGroupRef{ID: "customers", Fields: []string{"first_name"}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func promo(id string) *events.SendPromo {
	return &events.SendPromo{PromoID: id, Title: "Promo " + id, Message: "Hi {customers.first_name}, 30% off",
		Buttons:   []events.Button{{Text: "Shop", Type: "url", URL: "https://shop.example.com"}},
		Audiences: []string{"vip"}}
}

func TestPromoFiveDeliveriesOneCampaignOneRun(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	e.seedAudience(t)
	ctx := context.Background()
	for i := range 5 {
		if err := e.h.Promo.Handle(ctx, "promo-1", promo("bf")); err != nil {
			t.Fatalf("delivery %d: %v", i+1, err)
		}
	}
	cs := e.sb.Campaigns()
	if len(cs) != 1 {
		t.Fatalf("sandbox has %d campaigns, want 1", len(cs))
	}
	runs := e.sb.Runs(cs[0].ID)
	if len(runs) != 1 {
		t.Fatalf("campaign has %d runs, want 1", len(runs))
	}
	if n := e.sb.RequestCount("/v1/run/campaign"); n != 1 {
		t.Fatalf("run endpoint called %d times, want 1", n)
	}
	if len(e.plans.runs) == 0 || e.plans.runs[0].CampaignID != cs[0].ID || e.plans.runs[0].RunID == "" {
		t.Fatalf("observer saw %+v", e.plans.runs)
	}
}

func TestPromoAtRunsAtThatTime(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	e.seedAudience(t)
	at := e.sb.Now().Add(48 * time.Hour).Truncate(time.Second)
	p := promo("at")
	p.Schedule = &events.Schedule{At: at.Format(time.RFC3339)}
	for range 2 {
		if err := e.h.Promo.Handle(context.Background(), "promo-at", p); err != nil {
			t.Fatal(err)
		}
	}
	cs := e.sb.Campaigns()
	runs := e.sb.Runs(cs[0].ID)
	if len(runs) != 1 || !runs[0].TimeToRun.Equal(at) {
		t.Fatalf("runs = %+v, want one at %s", runs, at)
	}
}

func TestPromoDroppedRunIsReconciled(t *testing.T) {
	e := newEnv(t, sandbox.Options{Faults: []sandbox.Fault{{Endpoint: "/v1/run/campaign", Kind: sandbox.FaultDrop, Rate: 1, Count: 1}}})
	e.seedAudience(t)
	ctx := context.Background()
	for range 3 {
		if err := e.h.Promo.Handle(ctx, "promo-drop", promo("drop")); err != nil {
			t.Fatal(err)
		}
	}
	cs := e.sb.Campaigns()
	if len(cs) != 1 || len(e.sb.Runs(cs[0].ID)) != 1 {
		t.Fatalf("campaigns %d, runs %d; want 1 and 1", len(cs), len(e.sb.Runs(cs[0].ID)))
	}
}

func TestPromoCronStoresJobAndRunsEachTickOnce(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	e.seedAudience(t)
	ctx := context.Background()
	p := promo("weekly")
	p.Schedule = &events.Schedule{Cron: "0 9 * * FRI", TimeZone: "Africa/Johannesburg", CatchUp: "once"}
	if err := e.h.Promo.Handle(ctx, "promo-cron", p); err != nil {
		t.Fatal(err)
	}
	entry, err := e.jobs.Get(ctx, "promo.weekly")
	if err != nil {
		t.Fatal(err)
	}
	var job jobs.Promo
	if err := json.Unmarshal(entry.Value(), &job); err != nil {
		t.Fatal(err)
	}
	cs := e.sb.Campaigns()
	if job.Cron != "0 9 * * FRI" || job.TimeZone != "Africa/Johannesburg" || job.CampaignID != cs[0].ID || job.CreatedAt.IsZero() {
		t.Fatalf("job = %+v", job)
	}
	if n := len(e.sb.Runs(cs[0].ID)); n != 0 {
		t.Fatalf("cron promo ran at once (%d runs)", n)
	}
	tick1, tick2 := e.sb.Now().Truncate(time.Minute), e.sb.Now().Truncate(time.Minute).Add(time.Minute)
	var ids []string
	for _, tick := range []time.Time{tick1, tick1, tick2, tick2, tick1} {
		info, err := e.h.Promo.RunPromo(ctx, "weekly", tick)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, info.RunID)
	}
	if ids[0] != ids[1] || ids[0] != ids[4] || ids[2] != ids[3] || ids[0] == ids[2] {
		t.Fatalf("run ids per tick = %v", ids)
	}
	if n := len(e.sb.Runs(cs[0].ID)); n != 2 {
		t.Fatalf("%d runs for 2 ticks", n)
	}
	for range 2 {
		if err := e.h.Cancel.Handle(ctx, "cancel-1", &events.ScheduleCancelled{PromoID: "weekly"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.jobs.Get(ctx, "promo.weekly"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("job still stored after cancel: %v", err)
	}
	if _, err := e.h.Promo.RunPromo(ctx, "weekly", tick2.Add(time.Minute)); err == nil {
		t.Fatal("RunPromo ran a cancelled schedule")
	}
}

func TestPromoErrorClasses(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*events.SendPromo)
		class pipeline.Class
		want  string
	}{
		{"forbidden button mix", func(p *events.SendPromo) {
			p.Buttons = append(p.Buttons, events.Button{Text: "Ask", Type: "input", Input: "q"})
		}, pipeline.ClassValidation, "never with input or journey"},
		{"unknown group field", func(p *events.SendPromo) { p.Message = "Hi {customers.shoe_size}" }, pipeline.ClassValidation, "shoe_size"},
		{"unknown group", func(p *events.SendPromo) { p.Message = "Hi {nobody.first_name}" }, pipeline.ClassValidation, "nobody"},
		{"missing title", func(p *events.SendPromo) { p.Title = "" }, pipeline.ClassValidation, "title: is required"},
		{"unknown audience", func(p *events.SendPromo) { p.Audiences = []string{"vip", "vpi"} }, pipeline.ClassTransient, "names audience(s) vpi that Chat Inc does not have (it has: vip); no campaign was created"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, sandbox.Options{})
			e.seedAudience(t)
			p := promo("bad")
			tt.edit(p)
			err := e.h.Promo.Handle(context.Background(), "promo-bad", p)
			if c := pipeline.ClassOf(err); c != tt.class || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("class %s, error %v; want %s containing %q", c, err, tt.class, tt.want)
			}
			if n := len(e.sb.Campaigns()); n != 0 {
				t.Fatalf("%d campaigns created from an invalid promo", n)
			}
		})
	}
}

func TestPromoApprovalLimitIsPermanent(t *testing.T) {
	e := newEnv(t, sandbox.Options{ApproveAfter: time.Hour})
	e.seedAudience(t)
	err := e.h.Promo.Handle(context.Background(), "promo-slow", promo("slow"))
	if c := pipeline.ClassOf(err); c != pipeline.ClassPermanent || !strings.Contains(err.Error(), "still PENDING") {
		t.Fatalf("class %s, error %v; want permanent 'still PENDING'", c, err)
	}
	if n := e.sb.RequestCount("/v1/run/campaign"); n != 0 {
		t.Fatalf("ran an unapproved campaign (%d run calls)", n)
	}
}

func TestPromoTransientChatIncErrorIsTransient(t *testing.T) {
	e := newEnv(t, sandbox.Options{Faults: []sandbox.Fault{{Endpoint: "/v1/create/campaign", Kind: sandbox.Fault503, Rate: 1}}})
	e.seedAudience(t)
	err := e.h.Promo.Handle(context.Background(), "promo-503", promo("p503"))
	if c := pipeline.ClassOf(err); c != pipeline.ClassTransient || !errors.Is(err, chatinc.ErrServer) {
		t.Fatalf("class %s, error %v; want transient server error", c, err)
	}
}

// TestPromoCampaignGoneNamesTheLedgerCommand: when the ledger names a
// campaign Chat Inc no longer has (a sandbox that lost its state), the dead
// letter says which entry to forget and how.
func TestPromoCampaignGoneNamesTheLedgerCommand(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	e.seedAudience(t)
	ctx := context.Background()
	if err := e.h.Promo.Handle(ctx, "promo-1", promo("bf")); err != nil {
		t.Fatal(err)
	}
	e.sb.Reset()
	e.seedAudience(t)
	err := e.h.Promo.Handle(ctx, "promo-2", promo("bf"))
	if c := pipeline.ClassOf(err); c != pipeline.ClassPermanent || !strings.Contains(fmt.Sprint(err), "campaignflow ledger forget promo.bf.campaign --yes") {
		t.Fatalf("class %s, error %v; want permanent naming `campaignflow ledger forget promo.bf.campaign --yes`", c, err)
	}
}

// TestPromoToEmptyAudiencesWarns: a promo whose audiences hold no contact
// runs (it is what was asked) but says so.
func TestPromoToEmptyAudiencesWarns(t *testing.T) {
	var buf pipelinetest.SyncBuffer
	e := newEnv(t, sandbox.Options{}, WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	e.seedAudience(t)
	ctx := context.Background()
	if err := e.h.Promo.Handle(ctx, "promo-full", promo("full")); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "0 contacts") {
		t.Fatalf("warned for an audience with contacts:\n%s", buf.String())
	}
	if _, err := e.client.CreateAudience(ctx, chatinc.Audience{ID: "nobody", Name: "nobody"}); err != nil {
		t.Fatal(err)
	}
	p := promo("empty")
	p.Audiences = []string{"nobody"}
	if err := e.h.Promo.Handle(ctx, "promo-empty", p); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "promo reaches 0 contacts") || !strings.Contains(buf.String(), "promo_id=empty") {
		t.Fatalf("no warning for a promo to empty audiences:\n%s", buf.String())
	}
}

// TestPromoAgainSaysItAlreadyRan: a promo published again for a time that
// already ran says that nothing was sent again (not "promo run").
func TestPromoAgainSaysItAlreadyRan(t *testing.T) {
	var buf pipelinetest.SyncBuffer
	e := newEnv(t, sandbox.Options{}, WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	e.seedAudience(t)
	ctx := context.Background()
	for _, id := range []string{"promo-a", "promo-b"} {
		if err := e.h.Promo.Handle(ctx, id, promo("again")); err != nil {
			t.Fatal(err)
		}
	}
	if n, m := strings.Count(buf.String(), "msg=\"handlers: promo run\""), strings.Count(buf.String(), "promo already ran for this time; nothing sent again"); n != 1 || m != 1 {
		t.Fatalf("%d 'promo run' and %d 'already ran' lines, want 1 and 1:\n%s", n, m, buf.String())
	}
}
