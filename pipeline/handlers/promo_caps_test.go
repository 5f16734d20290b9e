package handlers

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/sinks"
)

const (
	thandi = "+27821234567"
	sipho  = "+27821234568"
	lerato = "+27821234569"
	pieter = "+27831234567"
	nobody = "+999123456789" // seven to fifteen digits (the sandbox takes it), no country 999
)

func (e *env) audience(t *testing.T, id string, numbers ...string) {
	t.Helper()
	contacts := make([]chatinc.Contact, len(numbers))
	for i, n := range numbers {
		contacts[i] = chatinc.Contact{Number: n}
	}
	if _, err := e.client.CreateAudience(context.Background(), chatinc.Audience{ID: id, Name: id, Contacts: contacts}); err != nil {
		t.Fatal(err)
	}
}

// sendReport is the last send_report.v1 published for promoID.
func (e *env) sendReport(t *testing.T, promoID string) sinks.SendReport {
	t.Helper()
	msg, err := e.topo.Results.GetLastMsgForSubject(context.Background(), e.topo.Names.ResultSendSubject(promoID))
	if err != nil {
		t.Fatalf("no send report for %s: %v", promoID, err)
	}
	var r sinks.SendReport
	if err := json.Unmarshal(msg.Data, &r); err != nil {
		t.Fatal(err)
	}
	if r.Schema != sinks.SchemaSendReport || msg.Header.Get("Nats-Msg-Id") != "send:"+r.RunKey {
		t.Fatalf("report %+v with id %q", r, msg.Header.Get("Nats-Msg-Id"))
	}
	return r
}

// sentTo is who the runs of the campaign titled "Promo <promoID>" were
// sent to, as the sandbox snapshot them: one sorted list per run.
func (e *env) sentTo(t *testing.T, promoID string) [][]string {
	t.Helper()
	var out [][]string
	for _, c := range e.sb.Campaigns() {
		if c.Title != "Promo "+promoID {
			continue
		}
		for _, r := range c.Runs {
			var numbers []string
			for _, a := range r.Audiences {
				n, ok := e.sb.Audience(a)
				if !ok {
					t.Fatalf("run %s names audience %s that the sandbox does not have", r.ID, a)
				}
				numbers = append(numbers, n...)
			}
			slices.Sort(numbers)
			out = append(out, numbers)
		}
	}
	return out
}

func capped(id string, max int, per string, audiences ...string) *events.SendPromo {
	p := promo(id)
	p.Audiences = audiences
	p.FrequencyCap = &events.FrequencyCap{Max: max, Per: per}
	return p
}

// TestPromoFrequencyCap: each capped run goes to a derived audience
// without the contacts that had max capped sends within per (and without
// invalid numbers), and says so in a send_report.v1; runs more than per
// apart do not count against each other.
func TestPromoFrequencyCap(t *testing.T) {
	e := newEnv(t, sandbox.Options{Clock: clockwork.NewFakeClockAt(on(0, 10, 0))})
	e.seedAudience(t) // the variable group; thandi in vip
	e.audience(t, "vip", thandi, sipho, lerato, nobody)
	e.audience(t, "new", pieter, thandi)
	ctx := context.Background()
	handle := func(p *events.SendPromo) {
		t.Helper()
		for range 3 { // redeliveries: the ledger's done run is not planned again
			if err := e.h.Promo.Handle(ctx, "ev-"+p.PromoID, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	type want struct {
		sent                   []string
		total, capped, invalid int64
	}
	check := func(promoID string, w want) {
		t.Helper()
		runs := e.sentTo(t, promoID)
		r := e.sendReport(t, promoID)
		if len(w.sent) == 0 {
			if len(runs) != 0 || r.RunID != "" {
				t.Fatalf("%s: runs %v (report run %q), want none: everybody is capped", promoID, runs, r.RunID)
			}
		} else if len(runs) != 1 || !slices.Equal(runs[0], w.sent) {
			t.Fatalf("%s: sent to %v, want one run to %v", promoID, runs, w.sent)
		}
		if r.PromoID != promoID || r.ContactsTotal != w.total || r.ContactsSent != int64(len(w.sent)) || r.Capped != w.capped ||
			r.InvalidNumber != w.invalid || (len(w.sent) > 0 && (r.RunID == "" || r.DerivedAudience != DerivedAudienceID(r.RunKey, w.sent))) {
			t.Fatalf("%s: report %+v, want total %d, sent %d, capped %d, invalid %d", promoID, r, w.total, len(w.sent), w.capped, w.invalid)
		}
	}

	handle(capped("first", 1, "7d", "vip"))
	check("first", want{sent: []string{thandi, sipho, lerato}, total: 4, invalid: 1})

	e.sb.Advance(24 * time.Hour)
	handle(capped("second", 1, "7d", "vip", "new"))
	check("second", want{sent: []string{pieter}, total: 5, capped: 3, invalid: 1})

	handle(capped("again", 1, "7d", "vip"))
	check("again", want{total: 4, capped: 3, invalid: 1})

	// Each contact has one send so far ("first" counted once however often
	// it was delivered): a cap of 2 lets everyone through.
	handle(capped("third", 2, "7d", "all"))
	check("third", want{sent: []string{thandi, sipho, lerato, pieter}, total: 5, invalid: 1})

	// An uncapped promo neither reads nor counts.
	if err := e.h.Promo.Handle(ctx, "ev-free", func() *events.SendPromo { p := promo("free"); p.Audiences = []string{"vip"}; return p }()); err != nil {
		t.Fatal(err)
	}
	if runs := e.sentTo(t, "free"); len(runs) != 1 || len(runs[0]) != 4 {
		t.Fatalf("uncapped promo sent to %v, want the whole audience", runs)
	}

	// Eight days on, every send so far (days 0 and 1) is out of a 7-day
	// window.
	e.sb.Advance(8 * 24 * time.Hour)
	handle(capped("later", 1, "7d", "vip", "new"))
	check("later", want{sent: []string{thandi, sipho, lerato, pieter}, total: 5, invalid: 1})
	e.sb.Advance(time.Hour)
	handle(capped("latest", 1, "7d", "vip", "new"))
	check("latest", want{total: 5, capped: 4, invalid: 1})
}

// TestPromoFrequencyCapRetriedRunCountsOnce: a run whose first attempt
// recorded its sends and then failed is retried (the event redelivered)
// and still sends to everyone: its own sends are not held against it, and
// they count once for later promos.
func TestPromoFrequencyCapRetriedRunCountsOnce(t *testing.T) {
	e := newEnv(t, sandbox.Options{Faults: []sandbox.Fault{{Endpoint: "/v1/run/campaign", Kind: sandbox.Fault503, Rate: 1}}})
	e.seedAudience(t)
	e.audience(t, "vip", thandi, sipho)
	ctx := context.Background()
	p := capped("retried", 1, "7d", "vip")
	p.PromoID = "bf.2026:a" // encoded in the subject, the counter keys and the derived audience
	err := e.h.Promo.Handle(ctx, "ev-retried", p)
	if c := pipeline.ClassOf(err); c != pipeline.ClassTransient {
		t.Fatalf("first attempt: class %s, err %v; want transient (Chat Inc answers 503)", c, err)
	}
	if n := e.sb.RequestCount("/v1/create/audience"); n == 0 {
		t.Fatal("the first attempt did not get as far as the derived audience")
	}
	e.sb.SetFaults(nil)
	for range 2 {
		if err := e.h.Promo.Handle(ctx, "ev-retried", p); err != nil {
			t.Fatal(err)
		}
	}
	if runs := e.sentTo(t, "retried"); len(runs) != 1 || !slices.Equal(runs[0], []string{thandi, sipho}) {
		t.Fatalf("retried run sent to %v, want once to both", runs)
	}
	if r := e.sendReport(t, "bf.2026:a"); r.ContactsSent != 2 || r.Capped != 0 || r.RunKey != "promo.bf=2E2026=3Aa.run.now" {
		t.Fatalf("report %+v", r)
	}
	if err := e.h.Promo.Handle(ctx, "ev-two", capped("two", 2, "7d", "vip")); err != nil {
		t.Fatal(err)
	}
	if runs := e.sentTo(t, "two"); len(runs) != 1 || len(runs[0]) != 2 {
		t.Fatalf("a cap of 2 after one (retried) send sent to %v, want both", runs)
	}
}

// TestPromoFrequencyCapOnCronTicks: each tick of a capped cron promo is
// its own run (keyed by the tick) and counts against the next.
func TestPromoFrequencyCapOnCronTicks(t *testing.T) {
	e := newEnv(t, sandbox.Options{Clock: clockwork.NewFakeClockAt(on(0, 8, 0))})
	e.seedAudience(t)
	e.audience(t, "vip", thandi, sipho)
	ctx := context.Background()
	p := capped("daily", 1, "36h", "vip")
	p.Schedule = &events.Schedule{Cron: "0 9 * * *", TimeZone: "UTC"}
	if err := e.h.Promo.Handle(ctx, "ev-daily", p); err != nil {
		t.Fatal(err)
	}
	day1 := on(0, 9, 0)
	e.sb.Advance(day1.Sub(e.sb.Now()))
	for range 2 {
		if _, err := e.h.Promo.RunPromo(ctx, "daily", day1); err != nil {
			t.Fatal(err)
		}
	}
	if r := e.sendReport(t, "daily"); r.ContactsSent != 2 || r.RunID == "" {
		t.Fatalf("day 1: report %+v, want 2 sent", r)
	}
	e.audience(t, "vip", lerato)
	day2 := day1.Add(24 * time.Hour)
	e.sb.Advance(day2.Sub(e.sb.Now()))
	if _, err := e.h.Promo.RunPromo(ctx, "daily", day2); err != nil {
		t.Fatal(err)
	}
	if r := e.sendReport(t, "daily"); r.ContactsSent != 1 || r.Capped != 2 {
		t.Fatalf("day 2: report %+v, want lerato sent, 2 capped", r)
	}
	runs := e.sentTo(t, "daily")
	if len(runs) != 2 || !slices.Equal(runs[0], []string{thandi, sipho}) || !slices.Equal(runs[1], []string{lerato}) {
		t.Fatalf("ticks sent to %v", runs)
	}
}
