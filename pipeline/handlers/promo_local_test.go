package handlers

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/jobs"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
	"github.com/campaignflow/campaignflow/sinks"
)

const (
	london  = "+442071234567"
	newYork = "+12125551234"
	sydney  = "+61212345678"
)

// sendReports is every send_report.v1 published for promoID, by zone.
func (e *env) sendReports(t *testing.T, promoID string) map[string]sinks.SendReport {
	t.Helper()
	ctx := context.Background()
	info, err := e.topo.Results.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]sinks.SendReport{}
	subject := e.topo.Names.ResultSendSubject(promoID)
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := e.topo.Results.GetMsg(ctx, seq)
		if err != nil || m.Subject != subject {
			continue
		}
		var r sinks.SendReport
		if err := json.Unmarshal(m.Data, &r); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[r.TimeZone]; dup {
			t.Fatalf("two send reports for zone %s", r.TimeZone)
		}
		out[r.TimeZone] = r
	}
	return out
}

// zoneRun is one run of a local-time promo as the sandbox has it.
type zoneRun struct {
	at      time.Time
	numbers []string
}

// zoneRuns maps each run of the campaign titled "Promo <promoID>" to its
// zone, through the derived audience of the zone's ledger key.
func (e *env) zoneRuns(t *testing.T, promoID string, local func(*time.Location) time.Time, zones ...string) map[string]zoneRun {
	t.Helper()
	byAudience := map[string]string{}
	for _, z := range zones {
		loc, err := time.LoadLocation(z)
		if err != nil {
			t.Fatal(err)
		}
		byAudience[DerivedAudienceStem(ledger.LocalRunKey(promoID, local(loc), z))] = z
	}
	out := map[string]zoneRun{}
	for _, c := range e.sb.Campaigns() {
		if c.Title != "Promo "+promoID {
			continue
		}
		for _, r := range c.Runs {
			if len(r.Audiences) != 1 {
				t.Fatalf("run %s goes to %v, want one derived audience", r.ID, r.Audiences)
			}
			stem, _, _ := strings.Cut(r.Audiences[0], ledger.AudienceDigestSep)
			z, ok := byAudience[stem]
			if !ok {
				t.Fatalf("run %s goes to %s, no zone's audience", r.ID, r.Audiences[0])
			}
			if _, dup := out[z]; dup {
				t.Fatalf("two runs for zone %s", z)
			}
			numbers, _ := e.sb.Audience(r.Audiences[0])
			out[z] = zoneRun{at: r.TimeToRun.UTC(), numbers: numbers}
		}
	}
	return out
}

func localPromo(id, localTime, date string) *events.SendPromo {
	p := promo(id)
	p.Schedule = &events.Schedule{LocalTime: localTime, Date: date}
	return p
}

// TestPromoLocalTime: a local-time promo makes one derived audience and one
// run per recipient zone, each at local_time there, once however often the
// event comes; a number without a zone falls to promo.default_time_zone
// (here: an invalid one, left out and counted).
func TestPromoLocalTime(t *testing.T) {
	e := newEnv(t, sandbox.Options{Clock: clockwork.NewFakeClockAt(on(-1, 12, 0))})
	e.seedAudience(t) // thandi, Johannesburg
	e.audience(t, "vip", london, newYork, sydney, nobody)
	ctx := context.Background()
	p := localPromo("local", "09:00", testDay().Format(time.DateOnly))
	for range 3 {
		if err := e.h.Promo.Handle(ctx, "ev-local", p); err != nil {
			t.Fatal(err)
		}
	}
	nine := func(loc *time.Location) time.Time { return localOn(loc, 0, 9, 0) }
	got := e.zoneRuns(t, "local", nine, "Africa/Johannesburg", "Europe/London", "America/New_York", "Australia/Sydney")
	want := map[string]zoneRun{}
	for z, n := range map[string]string{"Africa/Johannesburg": thandi, "Europe/London": london, "America/New_York": newYork, "Australia/Sydney": sydney} {
		loc, err := time.LoadLocation(z)
		if err != nil {
			t.Fatal(err)
		}
		want[z] = zoneRun{nine(loc).UTC(), []string{n}} // Sydney's is the day before in UTC, after the sandbox's now
	}
	if len(got) != len(want) {
		t.Fatalf("runs per zone %v, want %v", got, want)
	}
	for z, w := range want {
		if g := got[z]; !g.at.Equal(w.at) || !slices.Equal(g.numbers, w.numbers) {
			t.Errorf("%s: run at %s to %v, want at %s to %v", z, g.at, g.numbers, w.at, w.numbers)
		}
	}
	reps := e.sendReports(t, "local")
	if len(reps) != 5 {
		t.Fatalf("send reports for zones %v, want the 4 runs and UTC's (nobody left)", reps)
	}
	for z := range want {
		if r := reps[z]; r.ContactsSent != 1 || r.RunID == "" || !r.RunAt.Equal(want[z].at) {
			t.Errorf("%s: report %+v", z, r)
		}
	}
	if r := reps["UTC"]; r.InvalidNumber != 1 || r.ContactsSent != 0 || r.RunID != "" {
		t.Errorf("UTC: report %+v, want the invalid number counted and no run", r)
	}
	jhb, _ := time.LoadLocation("Africa/Johannesburg")
	if key := ledger.LocalRunKey("local", nine(jhb), "Africa/Johannesburg"); key != "promo.local.run."+strconv.FormatInt(nine(jhb).Unix(), 10)+".Africa/Johannesburg" {
		t.Fatalf("key %s", key)
	} else if _, ok, err := e.ledger.Get(ctx, key); err != nil || !ok {
		t.Fatalf("no ledger record %s (%v)", key, err)
	}
	if len(e.plans.runs) != 4 {
		t.Fatalf("%d poll plans, want one per run (4)", len(e.plans.runs))
	}
}

// TestPromoLocalTimeQuietHoursAndCapPerZone: quiet hours are read in each
// recipient's zone, and a frequency cap leaves a capped zone without a run.
func TestPromoLocalTimeQuietHoursAndCapPerZone(t *testing.T) {
	e := newEnv(t, sandbox.Options{Clock: clockwork.NewFakeClockAt(on(-1, 12, 0))})
	e.seedAudience(t)
	e.audience(t, "vip", london, newYork)
	e.audience(t, "sa", thandi)
	ctx := context.Background()
	if err := e.h.Promo.Handle(ctx, "ev-before", capped("before", 1, "7d", "sa")); err != nil {
		t.Fatal(err)
	}
	p := localPromo("early", "07:00", testDay().Format(time.DateOnly))
	p.QuietHours = "21:00-08:00"
	p.FrequencyCap = &events.FrequencyCap{Max: 1, Per: "7d"}
	for range 2 {
		if err := e.h.Promo.Handle(ctx, "ev-early", p); err != nil {
			t.Fatal(err)
		}
	}
	seven := func(loc *time.Location) time.Time { return localOn(loc, 0, 7, 0) }
	got := e.zoneRuns(t, "early", seven, "Africa/Johannesburg", "Europe/London", "America/New_York")
	lon, _ := time.LoadLocation("Europe/London")
	ny, _ := time.LoadLocation("America/New_York")
	if len(got) != 2 || !got["Europe/London"].at.Equal(localOn(lon, 0, 8, 0)) || !got["America/New_York"].at.Equal(localOn(ny, 0, 8, 0)) {
		t.Fatalf("runs %v, want London and New York at 08:00 local (the end of quiet hours), none in Johannesburg", got)
	}
	if r := e.sendReports(t, "early")["Africa/Johannesburg"]; r.Capped != 1 || r.RunID != "" {
		t.Fatalf("Johannesburg: report %+v, want thandi capped and no run", r)
	}
}

// TestPromoLocalTimeCron: local_time with a cron is stored as a UTC job
// ticking every quarter hour past local_time's minute; each tick runs the
// recipient zones where it is local_time on a day of the cron, each to its
// own derived audience, once per zone and day.
func TestPromoLocalTimeCron(t *testing.T) {
	friday := testDay()
	for friday.Weekday() != time.Friday {
		friday = friday.AddDate(0, 0, 1)
	}
	e := newEnv(t, sandbox.Options{Clock: clockwork.NewFakeClockAt(friday.AddDate(0, 0, -1))})
	e.seedAudience(t)
	e.audience(t, "vip", london, sydney)
	ctx := context.Background()
	p := promo("fridays")
	p.Schedule = &events.Schedule{LocalTime: "09:00", Cron: "0 9 * * FRI"}
	if err := e.h.Promo.Handle(ctx, "ev-fridays", p); err != nil {
		t.Fatal(err)
	}
	entry, err := e.jobs.Get(ctx, "promo.fridays")
	if err != nil {
		t.Fatal(err)
	}
	var job jobs.Promo
	if err := json.Unmarshal(entry.Value(), &job); err != nil {
		t.Fatal(err)
	}
	if job.Cron != "0,15,30,45 * * * *" || job.TimeZone != "UTC" {
		t.Fatalf("stored job ticks on %q in %s, want every quarter hour in UTC", job.Cron, job.TimeZone)
	}
	nine := func(loc *time.Location) time.Time {
		return time.Date(friday.Year(), friday.Month(), friday.Day(), 9, 0, 0, 0, loc)
	}
	zones := []string{"Africa/Johannesburg", "Europe/London", "Australia/Sydney"}
	var ticks []time.Time
	for _, z := range zones {
		loc, err := time.LoadLocation(z)
		if err != nil {
			t.Fatal(err)
		}
		ticks = append(ticks, nine(loc).UTC())
	}
	// Thursday 09:00 in Johannesburg is no day of the cron; each Friday
	// tick twice (a retried tick).
	thursday := ticks[0].AddDate(0, 0, -1)
	for _, tick := range append([]time.Time{thursday}, append(ticks, ticks...)...) {
		if _, err := e.h.Promo.RunPromo(ctx, "fridays", tick); err != nil {
			t.Fatal(err)
		}
	}
	got := e.zoneRuns(t, "fridays", nine, zones...)
	if len(got) != 3 {
		t.Fatalf("runs per zone %v, want one in each of %v", got, zones)
	}
	for i, z := range zones {
		if g := got[z]; !g.at.Equal(ticks[i].Add(TickRunLead)) || len(g.numbers) != 1 {
			t.Errorf("%s: run at %s to %v, want at %s (09:00 there, and the tick's lead) to its one contact", z, g.at, g.numbers, ticks[i].Add(TickRunLead))
		}
	}
	if reps := e.sendReports(t, "fridays"); len(reps) != 3 {
		t.Fatalf("send reports %v, want one per zone", reps)
	}
}
