package main

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline/caps"
	"github.com/campaignflow/campaignflow/pipeline/handlers"
)

// TestPromoPreviewLocalTime: a local-time promo is previewed as the
// handler runs it: per recipient zone (the zone of the number) its run at
// local_time there, keyed promo.<id>.run.<unix>.<zone>, moved out of the
// quiet hours read in that zone, its reach with the frequency cap read per
// zone run (a zone with nobody left gets no run), not as a run now.
func TestPromoPreviewLocalTime(t *testing.T) {
	e := newPreviewEnv(t)
	env := newOpsEnv(t)
	ctx := context.Background()
	c := seedClient(t, e.url)
	if _, err := c.CreateAudience(ctx, chatinc.Audience{ID: "lt", Name: "Local time", Contacts: []chatinc.Contact{
		{Number: "+27821234567"}, {Number: "+442071234567"}, {Number: "+12125551234"}, {Number: "+61212345678"}}}); err != nil {
		t.Fatal(err)
	}
	// Thandi (Johannesburg) had a capped send an hour ago.
	if err := caps.New(env.topo.Caps).Record(ctx, "promo.before.run.now", "before", []string{"+27821234567"}, time.Now().Add(-time.Hour), 7*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	day := time.Now().UTC().AddDate(0, 0, 3).Format(time.DateOnly)
	promo := `{"event_id":"lt-1","promo_id":"lt-1","title":"L","message":"Hi","audiences":["lt"],` +
		`"schedule":{"local_time":"07:00","date":"` + day + `"},"quiet_hours":"21:00-08:00","frequency_cap":{"max":1,"per":"7d"}}`
	beforeNATS := natsState(t, env)

	r := e.preview(t, "", "--data", promo, "--nats-url", env.url, "--json")
	var got promoPreview
	if err := json.Unmarshal([]byte(r.stdout), &got); r.code() != 0 || err != nil || got.Schedule == nil {
		t.Fatalf("exit %d, %v:\n%s%s", r.code(), err, r.stdout, r.stderr)
	}
	if got.Schedule.Kind != "local_time" || got.Schedule.At != nil {
		t.Errorf("schedule %+v, want kind local_time and no at", got.Schedule)
	}
	zones := map[string]previewZone{}
	for _, z := range got.Schedule.Zones {
		zones[z.Zone] = z
	}
	if want := []string{"Africa/Johannesburg", "America/New_York", "Australia/Sydney", "Europe/London"}; strings.Join(slices.Sorted(maps.Keys(zones)), ",") != strings.Join(want, ",") {
		t.Fatalf("zones %v, want %v", slices.Sorted(maps.Keys(zones)), want)
	}
	for name, z := range zones {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := time.ParseInLocation(time.DateOnly, day, loc)
		due, start := d.Add(7*time.Hour), d.Add(8*time.Hour) // 07:00 is inside 21:00-08:00 there: at 08:00
		key := "promo.lt-1.run." + strconv.FormatInt(due.Unix(), 10) + "." + name
		if z.Due == nil || !z.Due.Equal(due) || z.Start == nil || !z.Start.Equal(start) || !z.Quiet || z.RunKey != key || z.Contacts != 1 {
			t.Errorf("%s: %+v, want due %s, start %s (quiet hours), key %s, 1 contact", name, z, due, start, key)
		}
		capped := name == "Africa/Johannesburg"
		if capped && (z.Capped != 1 || z.WouldSend != 0 || z.NoRun != noRunCapped) || !capped && (z.Capped != 0 || z.WouldSend != 1 || z.NoRun != "") {
			t.Errorf("%s: sends to %d, capped %d, no run %q", name, z.WouldSend, z.Capped, z.NoRun)
		}
	}
	if got.Reach == nil || got.Reach.WouldSend != 3 || got.Reach.Capped != 1 || got.NoRun != "" || got.Ledger == nil || got.Ledger.RunKey != "" {
		t.Errorf("reach %+v, no run %q, ledger %+v: want 3 sent, 1 capped, no single run key", got.Reach, got.NoRun, got.Ledger)
	}
	for _, s := range got.Sample {
		if s.Number == "*********567" {
			t.Errorf("the capped contact is in the sample: %+v", got.Sample)
		}
	}

	// The table says the same.
	r = e.preview(t, "", "--data", promo, "--nats-url", env.url)
	for _, want := range []string{"runs:", "at 07:00 in each recipient's zone on " + day + ": 4 zone run(s)",
		"promo.lt-1.run.", ".Europe/London", "no run: every contact capped or invalid", "moved out of quiet hours 21:00-08:00",
		"make 3 zone run(s) (to 3 contact(s))"} {
		if r.code() != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("exit %d, stdout lacks %q:\n%s%s", r.code(), want, r.stdout, r.stderr)
		}
	}
	if strings.Contains(r.stdout, "0001-01-01") || strings.Contains(r.stdout, "run.now") {
		t.Errorf("a local-time promo shown as a run now:\n%s", r.stdout)
	}

	// With a cron: each zone's next 09:00 on a Friday there, run
	// TickRunLead after the tick (as a tick runs it), keyed by the tick.
	cron := `{"promo_id":"lt-2","title":"L","message":"Hi","audiences":["lt"],"schedule":{"local_time":"09:00","cron":"0 9 * * FRI"},"quiet_hours":"00:00-00:00"}`
	r = e.preview(t, "", "--data", cron, "--json")
	got = promoPreview{}
	if err := json.Unmarshal([]byte(r.stdout), &got); r.code() != 0 || err != nil || got.Schedule == nil || len(got.Schedule.Zones) != 4 {
		t.Fatalf("cron: exit %d, %v:\n%s%s", r.code(), err, r.stdout, r.stderr)
	}
	for _, z := range got.Schedule.Zones {
		loc, _ := time.LoadLocation(z.Zone)
		if z.Due == nil || z.Due.In(loc).Weekday() != time.Friday || z.Due.In(loc).Format("15:04") != "09:00" || !z.Due.After(time.Now()) ||
			z.Due.After(time.Now().Add(8*24*time.Hour)) || !z.Start.Equal(z.Due.Add(handlers.TickRunLead)) ||
			z.RunKey != "promo.lt-2.run."+strconv.FormatInt(z.Due.Unix(), 10)+"."+z.Zone {
			t.Errorf("cron: %s: %+v, want the next Friday 09:00 there", z.Zone, z)
		}
	}
	if after := natsState(t, env); !maps.Equal(after, beforeNATS) {
		t.Errorf("NATS was written to: %v, then %v", beforeNATS, after)
	}
}

// TestPromoPreviewEveryContactCapped: when the frequency cap leaves nobody,
// the worker creates the campaign and makes no run (it logs "promo run not
// started" and publishes a send report); the preview says so and exits 0
// (the worker takes the promo: no dead letter, nothing retried).
func TestPromoPreviewEveryContactCapped(t *testing.T) {
	e := newPreviewEnv(t)
	env := newOpsEnv(t)
	ctx := context.Background()
	if err := caps.New(env.topo.Caps).Record(ctx, "promo.a.run.now", "a", []string{"+27821234567", "+27831112222"}, time.Now().Add(-time.Hour), 7*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	promo := `{"promo_id":"all-capped","title":"t","message":"Hi","audiences":["newsletter"],"frequency_cap":{"max":1,"per":"7d"}}`
	r := e.preview(t, "", "--data", promo, "--nats-url", env.url)
	want := "ok: the worker would create this campaign and make no run: every contact is capped (2) or has an invalid number (0)"
	if r.code() != 0 || !strings.Contains(r.stdout, want) || strings.Contains(r.stdout, "and run it") {
		t.Errorf("exit %d, stdout lacks %q:\n%s%s", r.code(), want, r.stdout, r.stderr)
	}
	r = e.preview(t, "", "--data", promo, "--nats-url", env.url, "--json")
	var got promoPreview
	if err := json.Unmarshal([]byte(r.stdout), &got); r.code() != 0 || err != nil || !got.Valid || got.NoRun != noRunCapped || got.Reach.WouldSend != 0 {
		t.Errorf("--json: exit %d, %v: %s", r.code(), err, r.stdout)
	}
	// Not all read (--max-contacts): it cannot say nobody is left.
	r = e.preview(t, "", "--data", promo, "--nats-url", env.url, "--max-contacts", "1", "--json")
	got = promoPreview{}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.NoRun != "" {
		t.Errorf("--max-contacts 1: no_run %q, %v", got.NoRun, err)
	}
}
