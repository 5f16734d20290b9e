package quiethours

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want: the window's String, or "error: <part of the message>"
	}{
		{"", ""},
		{"00:00-00:00", ""},
		{"21:00-08:00", "21:00-08:00"},
		{"13:30-14:45", "13:30-14:45"},
		{"00:00-23:59", "00:00-23:59"},
		{"21:00", `error: must be HH:MM-HH:MM`},
		{"9:00-10:00", `error: start "9:00" is not HH:MM`},
		{"09:00-1000", `error: end "1000" is not HH:MM`},
		{"24:00-08:00", `error: start "24:00" is not a time of day`},
		{"21:00-08:60", `error: end "08:60" is not a time of day`},
		{"21:00-21:00", `error: starts and ends at the same time`},
		{" 21:00-08:00", `error: start " 21:00" is not HH:MM`},
		{"ab:cd-08:00", `error: start "ab:cd" is not HH:MM`},
	} {
		w, err := Parse(tc.in)
		if msg, bad := strings.CutPrefix(tc.want, "error: "); bad {
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), msg) {
				t.Errorf("Parse(%q) = %v, %v; want an error containing %q", tc.in, w, err, msg)
			}
			continue
		}
		if err != nil || w.String() != tc.want {
			t.Errorf("Parse(%q) = %q, %v; want %q", tc.in, w.String(), err, tc.want)
		}
	}
}

func TestNext(t *testing.T) {
	jhb, err := time.LoadLocation("Africa/Johannesburg") // UTC+2, no DST
	if err != nil {
		t.Fatal(err)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	night, _ := Parse("21:00-08:00")
	lunch, _ := Parse("12:00-13:00")
	at := func(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, loc)
	}
	for _, tc := range []struct {
		name string
		w    Window
		loc  *time.Location
		in   time.Time
		want time.Time
	}{
		{"before the window", night, jhb, at(jhb, 2026, 12, 1, 20, 59), at(jhb, 2026, 12, 1, 20, 59)},
		{"at its start", night, jhb, at(jhb, 2026, 12, 1, 21, 0), at(jhb, 2026, 12, 2, 8, 0)},
		{"evening: ends tomorrow", night, jhb, at(jhb, 2026, 12, 1, 23, 30), at(jhb, 2026, 12, 2, 8, 0)},
		{"after midnight: ends today", night, jhb, at(jhb, 2026, 12, 2, 3, 0), at(jhb, 2026, 12, 2, 8, 0)},
		{"at its end: outside", night, jhb, at(jhb, 2026, 12, 2, 8, 0), at(jhb, 2026, 12, 2, 8, 0)},
		{"in UTC terms: 19:30 UTC is 21:30 in Johannesburg", night, jhb, time.Date(2026, 12, 1, 19, 30, 0, 0, time.UTC), at(jhb, 2026, 12, 2, 8, 0)},
		{"the same instant in UTC is outside", night, time.UTC, time.Date(2026, 12, 1, 19, 30, 0, 0, time.UTC), time.Date(2026, 12, 1, 19, 30, 0, 0, time.UTC)},
		{"nil zone is UTC", night, nil, time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC), time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)},
		{"a daytime window", lunch, jhb, at(jhb, 2026, 12, 1, 12, 15), at(jhb, 2026, 12, 1, 13, 0)},
		{"outside a daytime window", lunch, jhb, at(jhb, 2026, 12, 1, 22, 0), at(jhb, 2026, 12, 1, 22, 0)},
		{"across the end of a month", night, jhb, at(jhb, 2026, 12, 31, 22, 0), at(jhb, 2027, 1, 1, 8, 0)},
		// 2026-03-08 02:00 New York springs forward: 22:00 the day before ends at 08:00 EDT.
		{"over a DST change", night, ny, at(ny, 2026, 3, 7, 22, 0), at(ny, 2026, 3, 8, 8, 0)},
		{"no window", Window{}, jhb, at(jhb, 2026, 12, 1, 23, 0), at(jhb, 2026, 12, 1, 23, 0)},
	} {
		got := tc.w.Next(tc.in, tc.loc)
		if !got.Equal(tc.want) {
			t.Errorf("%s: Next(%s) = %s, want %s", tc.name, tc.in, got, tc.want)
		}
		if in := !tc.want.Equal(tc.in); in != tc.w.Contains(tc.in, tc.loc) {
			t.Errorf("%s: Contains(%s) = %v, want %v", tc.name, tc.in, !in, in)
		}
	}
	if d := at(ny, 2026, 3, 8, 8, 0).Sub(at(ny, 2026, 3, 7, 22, 0)); d != 9*time.Hour {
		t.Errorf("DST night is %s, want 9h (the test's premise)", d)
	}
}
