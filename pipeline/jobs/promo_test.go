package jobs

import (
	"encoding/json"
	"testing"
	"time"
)

func TestPromoKeyRoundTrips(t *testing.T) {
	for _, id := range []string{"bf-2026", "bf.2026:a*b>c", "x=y"} {
		got, ok := PromoIDOf(PromoKey(id))
		if !ok || got != id {
			t.Errorf("PromoIDOf(PromoKey(%q)) = %q, %v", id, got, ok)
		}
	}
	for _, key := range []string{"poll.c.r", "promo.", "promo.=4"} {
		if id, ok := PromoIDOf(key); ok {
			t.Errorf("PromoIDOf(%q) = %q, want not a promo key", key, id)
		}
	}
}

// TestPromoReadsEveryWriter: records written by older versions (until as a
// string as given, or unix seconds; created_at absent) still read.
func TestPromoReadsEveryWriter(t *testing.T) {
	until := time.Date(2099, 12, 31, 21, 0, 0, 0, time.UTC)
	for _, raw := range []string{
		`{"promo":{},"cron":"0 9 * * FRI","until":"2099-12-31T23:00:00+02:00","created_at":"2026-11-30T10:00:00Z"}`,
		`{"promo":{},"cron":"0 9 * * FRI","until":4102434000}`,
	} {
		var p Promo
		if err := json.Unmarshal([]byte(raw), &p); err != nil || !p.Until.Equal(until) {
			t.Errorf("%s: until %v, %v", raw, p.Until, err)
		}
	}
	b, _ := json.Marshal(Promo{Cron: "* * * * *"})
	var back map[string]any
	_ = json.Unmarshal(b, &back)
	if back["until"] != "" {
		t.Errorf("zero until written as %v", back["until"])
	}
}
