package handlers

import (
	"context"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/quiethours"
)

// TestPromoStartIsTheHandlersRule: PromoStart (what promo preview shows)
// gives the start, window and zone the handler's own startAt applies.
func TestPromoStartIsTheHandlersRule(t *testing.T) {
	jhb, err := time.LoadLocation("Africa/Johannesburg")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 20, 30, 0, 0, time.UTC) // 22:30 in Johannesburg
	night, _ := quiethours.Parse("21:00-08:00")
	opts := []Option{WithClock(clockwork.NewFakeClockAt(now)), WithQuietHours(night), WithDefaultTimeZone(jhb)}
	tests := []struct {
		name      string
		ev        events.SendPromo
		due, want time.Time
		zone      string
	}{
		{"now, inside the default", events.SendPromo{}, time.Time{}, time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC), "Africa/Johannesburg"},
		{"turned off", events.SendPromo{QuietHours: quiethours.None}, time.Time{}, time.Time{}, "Africa/Johannesburg"},
		{"at, outside", events.SendPromo{}, time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC), time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC), "Africa/Johannesburg"},
		{"cron zone", events.SendPromo{QuietHours: "21:00-08:00", Schedule: &events.Schedule{Cron: "0 22 * * *", TimeZone: "UTC"}},
			time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC), time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC), "UTC"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start, _, zone := PromoStart(context.Background(), &tc.ev, tc.due, opts...)
			h := &PromoHandler{quiet: night, zone: jhb, clock: clockwork.NewFakeClockAt(now), log: newSettings(nil).log}
			if !start.Equal(tc.want) || zone.String() != tc.zone || !start.Equal(h.startAt(context.Background(), &tc.ev, tc.due)) {
				t.Errorf("PromoStart = %s in %s, want %s in %s (the handler: %s)", start, zone, tc.want, tc.zone, h.startAt(context.Background(), &tc.ev, tc.due))
			}
		})
	}
}
