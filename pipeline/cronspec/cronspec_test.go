package cronspec

import (
	"errors"
	"testing"
	"time"
)

func TestCronPrevIsLatestFireTimeAtOrBefore(t *testing.T) {
	jnb := "Africa/Johannesburg"
	tests := []struct {
		name, expr, tz string
		at             string // RFC 3339
		want           string
	}{
		{"every second, on the tick", "* * * * * *", "", "2026-11-27T09:00:05Z", "2026-11-27T09:00:05Z"},
		{"every second, mid-second", "* * * * * *", "", "2026-11-27T09:00:05.7Z", "2026-11-27T09:00:05Z"},
		{"every 10s", "*/10 * * * * *", "", "2026-11-27T09:00:19Z", "2026-11-27T09:00:10Z"},
		{"five fields, hourly", "0 * * * *", "", "2026-11-27T09:59:59Z", "2026-11-27T09:00:00Z"},
		{"weekly in a zone", "0 9 * * FRI", jnb, "2026-11-30T12:00:00Z", "2026-11-27T07:00:00Z"},
		{"weekly, exactly on it", "0 9 * * FRI", jnb, "2026-11-27T07:00:00Z", "2026-11-27T07:00:00Z"},
		{"yearly", "0 0 0 1 1 *", "", "2026-11-27T00:00:00Z", "2026-01-01T00:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			at, _ := time.Parse(time.RFC3339Nano, tc.at)
			want, _ := time.Parse(time.RFC3339, tc.want)
			c, err := Parse(tc.expr, tc.tz, at)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := c.Prev(at)
			if !ok || !got.Equal(want) {
				t.Fatalf("prev(%s) = %s, %v; want %s", at, got, ok, want)
			}
			if n := c.Next(got); !n.After(at) {
				t.Fatalf("next(prev) = %s is not after %s: prev is not the latest", n, at)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	tests := []struct{ name, expr, tz string }{
		{"empty", "", ""},
		{"garbage", "every friday", ""},
		{"seven fields", "0 0 9 * * FRI 2026", ""},
		{"tz prefix", "CRON_TZ=UTC 0 9 * * FRI", ""},
		{"unknown zone", "0 9 * * FRI", "Mars/Olympus"},
		{"never fires", "0 0 0 30 2 *", ""},
		{"first fires in 114 years", "@every 1000000h", ""},
		{"more often than a second", "@every 1ms", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Parse(tc.expr, tc.tz, now); err == nil {
				t.Fatalf("Parse(%q, %q) accepted", tc.expr, tc.tz)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"* * * * * *", "0 9 * * FRI", "*/5 * * * *", "0 0 0 1 1 *", "@hourly", "", "a b c"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr string) {
		c, err := Parse(expr, "", now)
		if err != nil {
			return
		}
		if p, ok := c.Prev(now); ok {
			if p.After(now) {
				t.Fatalf("prev %s after %s", p, now)
			}
			if n := c.Next(p); !n.IsZero() && !n.After(p) {
				t.Fatalf("next(%s) = %s not after", p, n)
			}
		}
	})
}

func TestZone(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		err        bool
	}{
		{"", "UTC", false},
		{"UTC", "UTC", false},
		{"Africa/Johannesburg", "Africa/Johannesburg", false},
		{"Local", "", true},
		{"Mars/Olympus", "", true},
	} {
		loc, err := Zone(tc.name)
		if (err != nil) != tc.err || (err == nil && loc.String() != tc.want) {
			t.Errorf("Zone(%q) = %v, %v; want %q (error %v)", tc.name, loc, err, tc.want, tc.err)
		}
	}
	if _, err := Parse("0 9 * * *", "Local", time.Now()); !errors.Is(err, ErrLocalZone) {
		t.Errorf("Parse in Local: %v, want ErrLocalZone", err)
	}
}
