package scheduler

import (
	"testing"
	"time"
)

func TestPromoSpecFromStoredRecord(t *testing.T) {
	tests := []struct {
		name, key, value string
		wantErr          bool
		check            func(t *testing.T, s jobSpec)
	}{
		{name: "full record", key: "promo.bf-2026",
			value: `{"promo":{"promo_id":"bf-2026"},"campaign_id":"c_1","cron":"0 9 * * FRI","time_zone":"Africa/Johannesburg","until":"2026-12-31T00:00:00Z","catch_up":"once","created_at":"2026-11-01T00:00:00Z"}`,
			check: func(t *testing.T, s jobSpec) {
				if s.ID != "promo.bf-2026" || s.PromoID != "bf-2026" || s.CatchUp != CatchUpOnce || s.Kind != KindPromo {
					t.Fatalf("spec %+v", s)
				}
				if !s.Until.Equal(time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)) || s.CreatedAt.IsZero() {
					t.Fatalf("times %v %v", s.Until, s.CreatedAt)
				}
			}},
		{name: "unix created_at, default catch-up", key: "promo.x", value: `{"cron":"* * * * * *","created_at":1764230400}`,
			check: func(t *testing.T, s jobSpec) {
				if s.CatchUp != CatchUpSkip || s.CreatedAt.Unix() != 1764230400 || !s.Until.IsZero() {
					t.Fatalf("spec %+v", s)
				}
			}},
		{name: "bad catch_up", key: "promo.x", value: `{"cron":"* * * * *","catch_up":"always"}`, wantErr: true},
		{name: "bad json", key: "promo.x", value: `{`, wantErr: true},
		{name: "bad until", key: "promo.x", value: `{"cron":"* * * * *","until":"friday"}`, wantErr: true},
		{name: "not a promo key", key: "poll.c.r", value: `{}`, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := promoSpec(tc.key, []byte(tc.value), 3)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
}

func TestConfigJobValidate(t *testing.T) {
	tests := []struct {
		name string
		job  ConfigJob
		ok   bool
	}{
		{"promo", ConfigJob{Name: "weekly", PromoID: "p", Cron: "0 9 * * FRI"}, true},
		{"campaign", ConfigJob{Name: "daily", CampaignID: "c_1", Audiences: []string{"all"}, Cron: "0 9 * * *", CatchUp: "once"}, true},
		{"name with space", ConfigJob{Name: "my job", PromoID: "p", Cron: "* * * * *"}, false},
		{"neither", ConfigJob{Name: "n", Cron: "* * * * *"}, false},
		{"both", ConfigJob{Name: "n", PromoID: "p", CampaignID: "c", Audiences: []string{"a"}, Cron: "* * * * *"}, false},
		{"campaign without audiences", ConfigJob{Name: "n", CampaignID: "c", Cron: "* * * * *"}, false},
		{"bad catch-up", ConfigJob{Name: "n", PromoID: "p", Cron: "* * * * *", CatchUp: "twice"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.job.Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func FuzzPromoSpec(f *testing.F) {
	f.Add(`{"cron":"* * * * * *","created_at":1764230400}`)
	f.Add(`{"promo":{},"cron":"0 9 * * FRI","time_zone":"UTC","until":"2026-12-31T00:00:00Z","catch_up":"once"}`)
	f.Add(`{"until":null,"created_at":""}`)
	f.Fuzz(func(t *testing.T, value string) {
		s, err := promoSpec("promo.fuzz", []byte(value), 1)
		if err != nil {
			return
		}
		if s.CatchUp != CatchUpOnce && s.CatchUp != CatchUpSkip {
			t.Fatalf("catch-up %q accepted", s.CatchUp)
		}
		_ = s.compile(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	})
}
