// Package quiethours owns the quiet-hours rule of a send: a daily window
// ("21:00-08:00", local time of a zone) in which no run starts; a run that
// would start inside it is moved to the window's end. The send-promo
// handler applies it, and event and config validation check windows with
// it, so a window that validates is one the handler applies.
package quiethours

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrInvalid is matched by every error of Parse.
var ErrInvalid = errors.New("quiethours: invalid window")

// None is the value that says "no quiet hours" explicitly (an empty
// string says the same, and lets a default apply where there is one).
const None = "00:00-00:00"

// Window is a daily window [Start, End) in minutes after local midnight.
// End before Start crosses midnight ("21:00-08:00"). The zero Window is no
// window.
type Window struct {
	Start, End int
}

// Parse reads "HH:MM-HH:MM" (24-hour clock). "" and "00:00-00:00" are no
// window. A start equal to the end otherwise is refused: it reads as a
// window of no length, or of a whole day, and neither is meant.
func Parse(s string) (Window, error) {
	if s == "" || s == None {
		return Window{}, nil
	}
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return Window{}, fmt.Errorf("%w: %q must be HH:MM-HH:MM (24-hour clock), like %q", ErrInvalid, s, "21:00-08:00")
	}
	start, err := minuteOfDay(from)
	if err != nil {
		return Window{}, fmt.Errorf("%w: %q: start %v", ErrInvalid, s, err)
	}
	end, err := minuteOfDay(to)
	if err != nil {
		return Window{}, fmt.Errorf("%w: %q: end %v", ErrInvalid, s, err)
	}
	if start == end {
		return Window{}, fmt.Errorf("%w: %q starts and ends at the same time; for no quiet hours give %q or leave it out", ErrInvalid, s, None)
	}
	return Window{Start: start, End: end}, nil
}

// minuteOfDay reads "HH:MM", 00:00 to 23:59.
func minuteOfDay(s string) (int, error) {
	if len(s) != 5 || s[2] != ':' || !digits(s[:2]) || !digits(s[3:]) {
		return 0, fmt.Errorf("%q is not HH:MM (two digits each, 24-hour clock)", s)
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if h > 23 || m > 59 {
		return 0, fmt.Errorf("%q is not a time of day (00:00 to 23:59)", s)
	}
	return h*60 + m, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// IsZero reports whether w is no window.
func (w Window) IsZero() bool { return w.Start == w.End }

// String is w as Parse reads it ("" for no window).
func (w Window) String() string {
	if w.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", w.Start/60, w.Start%60, w.End/60, w.End%60)
}

// Contains reports whether t falls inside the window, in loc's local time
// (nil: UTC).
func (w Window) Contains(t time.Time, loc *time.Location) bool {
	if w.IsZero() {
		return false
	}
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	m := lt.Hour()*60 + lt.Minute()
	if w.Start < w.End {
		return m >= w.Start && m < w.End
	}
	return m >= w.Start || m < w.End // crosses midnight
}

// Next is t when t is outside the window, else the end of the window t
// falls in (local time in loc, nil: UTC): a run that would start at t
// starts then. The end is the wall-clock time End on the right day; on a
// day whose clocks jump past it (a DST change), time.Date's normalisation.
func (w Window) Next(t time.Time, loc *time.Location) time.Time {
	if !w.Contains(t, loc) {
		return t
	}
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	day := 0
	if m := lt.Hour()*60 + lt.Minute(); w.Start > w.End && m >= w.Start {
		day = 1 // the evening part of a window crossing midnight: ends tomorrow
	}
	y, mo, d := lt.Date()
	return time.Date(y, mo, d+day, w.End/60, w.End%60, 0, 0, loc)
}
