package handlers

import (
	"context"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
	"github.com/campaignflow/campaignflow/pipeline/quiethours"
)

// quietEnv is newEnv with the sandbox's (and so the handlers') clock at
// start, and quiet hours read in Johannesburg (UTC+2, no DST) by default.
func quietEnv(t *testing.T, start time.Time, opts ...Option) *env {
	t.Helper()
	jhb, err := time.LoadLocation("Africa/Johannesburg")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, sandbox.Options{Clock: clockwork.NewFakeClockAt(start)}, append([]Option{WithDefaultTimeZone(jhb)}, opts...)...)
	e.seedAudience(t)
	return e
}

// onlyRun is the one run of the one campaign in the sandbox.
func (e *env) onlyRun(t *testing.T) sandbox.RunState {
	t.Helper()
	cs := e.sb.Campaigns()
	if len(cs) != 1 {
		t.Fatalf("sandbox has %d campaigns, want 1", len(cs))
	}
	runs := e.sb.Runs(cs[0].ID)
	if len(runs) != 1 {
		t.Fatalf("campaign has %d runs, want 1: %+v", len(runs), runs)
	}
	return runs[0]
}

// testDay is midnight UTC on the first of the month after next by the real
// clock: the Chat Inc client refuses a timeToRun behind its (real) clock,
// and a promo's schedule may be at most a year ahead of it.
func testDay() time.Time {
	n := time.Now().UTC()
	return time.Date(n.Year(), n.Month()+2, 1, 0, 0, 0, 0, time.UTC)
}

// on is testDay plus days, at h:min UTC.
func on(days, h, min int) time.Time {
	d := testDay()
	return time.Date(d.Year(), d.Month(), d.Day()+days, h, min, 0, 0, time.UTC)
}

// localOn is testDay plus days at h:min in loc.
func localOn(loc *time.Location, days, h, min int) time.Time {
	d := testDay()
	return time.Date(d.Year(), d.Month(), d.Day()+days, h, min, 0, 0, loc)
}

// TestPromoQuietHoursMoveTheRun: a run that would start inside the quiet
// hours (in promo.default_time_zone, or a cron's time_zone) is scheduled at
// Chat Inc for the window's end, once however often the event comes; one
// outside them, or with "00:00-00:00", runs as asked.
func TestPromoQuietHoursMoveTheRun(t *testing.T) {
	night, err := quiethours.Parse("21:00-08:00")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		now     time.Time // the sandbox's clock (UTC; Johannesburg is +2)
		opts    []Option
		edit    func(*events.SendPromo)
		wantRun time.Time // zero: immediately
	}{
		{"now, in the evening: starts 08:00 tomorrow", on(0, 20, 30), nil,
			func(p *events.SendPromo) { p.QuietHours = "21:00-08:00" }, on(1, 6, 0)},
		{"now, after midnight: starts 08:00 today", on(1, 1, 0), nil,
			func(p *events.SendPromo) { p.QuietHours = "21:00-08:00" }, on(1, 6, 0)},
		{"now, outside: runs now", on(1, 10, 0), nil,
			func(p *events.SendPromo) { p.QuietHours = "21:00-08:00" }, time.Time{}},
		{"the configured default applies", on(0, 20, 30), []Option{WithQuietHours(night)},
			func(*events.SendPromo) {}, on(1, 6, 0)},
		{"00:00-00:00 turns the default off", on(0, 20, 30), []Option{WithQuietHours(night)},
			func(p *events.SendPromo) { p.QuietHours = quiethours.None }, time.Time{}},
		{"the promo's window wins over the default", on(0, 9, 30), []Option{WithQuietHours(night)},
			func(p *events.SendPromo) { p.QuietHours = "11:00-13:30" }, on(0, 11, 30)},
		{"at, inside: moved to the end", on(0, 10, 0), nil, func(p *events.SendPromo) {
			p.QuietHours = "21:00-08:00"
			p.Schedule = &events.Schedule{At: on(2, 21, 15).Format(time.RFC3339)} // 23:15 in Johannesburg
		}, on(3, 6, 0)},
		{"at, outside: as asked", on(0, 10, 0), nil, func(p *events.SendPromo) {
			p.QuietHours = "21:00-08:00"
			p.Schedule = &events.Schedule{At: on(2, 18, 59).Format(time.RFC3339)} // 20:59 in Johannesburg
		}, on(2, 18, 59)},
		{"at, already past, now inside: moved", on(0, 20, 30), nil, func(p *events.SendPromo) {
			p.QuietHours = "21:00-08:00"
			p.Schedule = &events.Schedule{At: on(0, 10, 0).Format(time.RFC3339)}
		}, on(1, 6, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := quietEnv(t, tc.now, tc.opts...)
			p := promo("quiet")
			tc.edit(p)
			for range 3 { // redeliveries
				if err := e.h.Promo.Handle(context.Background(), "promo-quiet", p); err != nil {
					t.Fatal(err)
				}
			}
			run := e.onlyRun(t)
			if !run.TimeToRun.Equal(tc.wantRun) {
				t.Fatalf("run scheduled for %s, want %s (zero: now)", run.TimeToRun.UTC(), tc.wantRun)
			}
			if len(e.plans.runs) != 1 {
				t.Fatalf("observer saw %d runs, want 1", len(e.plans.runs))
			}
			if want := tc.wantRun; !want.IsZero() && !e.plans.runs[0].At.Equal(want) {
				t.Fatalf("poll plan counts from %s, want %s", e.plans.runs[0].At, want)
			}
		})
	}
}

// TestPromoCronTickInQuietHours: a cron promo's quiet hours are read in its
// time_zone; the ticks inside one window make one run at its end (keyed by
// it), however often each is retried.
func TestPromoCronTickInQuietHours(t *testing.T) {
	e := quietEnv(t, on(0, 0, 0))
	ctx := context.Background()
	tokyo, err := time.LoadLocation("Asia/Tokyo") // UTC+9, no DST
	if err != nil {
		t.Fatal(err)
	}
	p := promo("nightly")
	p.QuietHours = "22:00-07:00"
	p.Schedule = &events.Schedule{Cron: "30 1,23 * * *", TimeZone: "Asia/Tokyo"}
	if err := e.h.Promo.Handle(ctx, "promo-nightly", p); err != nil {
		t.Fatal(err)
	}
	end := localOn(tokyo, 1, 7, 0)
	for _, tick := range []time.Time{localOn(tokyo, 0, 23, 30), localOn(tokyo, 1, 1, 30)} {
		e.sb.Advance(tick.Sub(e.sb.Now()) - time.Minute)
		for range 2 {
			info, err := e.h.Promo.RunPromo(ctx, "nightly", tick)
			if err != nil {
				t.Fatal(err)
			}
			if !info.At.Equal(end) {
				t.Fatalf("tick %s: run at %s, want %s", tick, info.At, end)
			}
		}
	}
	if run := e.onlyRun(t); !run.TimeToRun.Equal(end) {
		t.Fatalf("run scheduled for %s, want 07:00 Tokyo (not Johannesburg, the default zone)", run.TimeToRun.UTC())
	}
	if _, ok, err := e.ledger.Get(ctx, ledger.RunKey("nightly", end)); err != nil || !ok {
		t.Fatalf("no ledger record keyed by the window's end (%v)", err)
	}
}
