package handlers

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
)

// TestLocalRunsAreTheHandlers: LocalRuns (what promo preview shows) names
// the zone runs the handler makes: the same zones and numbers, the run at
// the same start (out of quiet hours read in each zone), under the same
// ledger key, and no more.
func TestLocalRunsAreTheHandlers(t *testing.T) {
	e := newEnv(t, sandbox.Options{Clock: clockwork.NewFakeClockAt(on(-1, 12, 0))})
	e.seedAudience(t) // thandi, Johannesburg
	e.audience(t, "vip", london, newYork, sydney, nobody)
	ctx := context.Background()
	p := localPromo("preview", "07:30", testDay().Format(time.DateOnly))
	p.QuietHours = "21:00-08:00"
	numbers, err := e.h.Promo.audienceNumbers(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	runs := LocalRuns(ctx, p, numbers, WithClock(sandboxtest.Clock{Sandbox: e.sb}))
	if err := e.h.Promo.Handle(ctx, "ev-preview", p); err != nil {
		t.Fatal(err)
	}
	reports := e.sendReports(t, "preview")
	var zones []string
	for _, r := range runs {
		zones = append(zones, r.Zone)
		rep, ok := reports[r.Zone]
		if !ok || rep.RunKey != r.Key || !rep.RunAt.Equal(r.Start) || rep.ContactsTotal != int64(len(r.Numbers)) {
			t.Errorf("%s: LocalRuns %+v; the handler's report %+v", r.Zone, r, rep)
		}
		loc, _ := time.LoadLocation(r.Zone)
		if r.Zone != "UTC" && (!r.Quiet || !r.Due.Equal(localOn(loc, 0, 7, 30)) || !r.Start.Equal(localOn(loc, 0, 8, 0))) {
			t.Errorf("%s: due %s, start %s, quiet %v: want 07:30 there, moved to 08:00", r.Zone, r.Due, r.Start, r.Quiet)
		}
	}
	if want := []string{"Africa/Johannesburg", "America/New_York", "Australia/Sydney", "Europe/London", "UTC"}; !slices.Equal(zones, want) || len(reports) != len(want) {
		t.Errorf("LocalRuns zones %v, the handler's %d reports; want %v", zones, len(reports), want)
	}
}
