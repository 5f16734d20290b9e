package results

import (
	"maps"
	"testing"
	"time"
)

func TestStatusesRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   statuses
	}{
		{"empty", statuses{}},
		{"one", statuses{"+27821234567": "sent"}},
		{"several", statuses{"+27821234567": "read", "+14155550100": "delivery_error", "+447700900123": "not_on_whatsapp"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeStatuses(tc.in.encode())
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tc.in) {
				t.Fatalf("round trip: got %v, want %v", got, tc.in)
			}
		})
	}
}

func TestDecodeStatusesRejectsBadLines(t *testing.T) {
	for _, in := range []string{"no-tab\n", "\tsent\n"} {
		if _, err := decodeStatuses([]byte(in)); err == nil {
			t.Errorf("decodeStatuses(%q) accepted", in)
		}
	}
}

func FuzzDecodeStatuses(f *testing.F) {
	f.Add([]byte("+27821234567\tsent\n+14155550100\tread\n"))
	f.Add([]byte(""))
	f.Add([]byte("x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeStatuses(b)
		if err != nil {
			return
		}
		again, err := decodeStatuses(s.encode())
		if err != nil || !maps.Equal(again, s) {
			t.Fatalf("re-encoding %v gave %v, %v", s, again, err)
		}
	})
}

func TestScaleOffsets(t *testing.T) {
	tests := []struct {
		scale float64
		want  []time.Duration
	}{
		{0, DefaultOffsets},
		{1, DefaultOffsets},
		{60, []time.Duration{time.Second, 10 * time.Second, time.Minute, 6 * time.Minute, 24 * time.Minute, 72 * time.Minute}},
		{3600, []time.Duration{time.Second / 60, time.Second / 6, time.Second, 6 * time.Second, 24 * time.Second, 72 * time.Second}},
	}
	for _, tc := range tests {
		got := scaleOffsets(DefaultOffsets, tc.scale)
		for i := range got {
			if d := got[i] - tc.want[i]; d > time.Microsecond || d < -time.Microsecond {
				t.Errorf("scale %v: offset %d = %s, want %s", tc.scale, i, got[i], tc.want[i])
			}
		}
	}
}

func TestDecodePlan(t *testing.T) {
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"valid", `{"run":{"campaign_id":"c_1","run_id":"r_1","at":"2026-11-27T09:00:00Z"},"offsets_ns":[60000000000],"next":0}`, true},
		{"no run id", `{"run":{"campaign_id":"c_1"},"offsets_ns":[1]}`, false},
		{"not json", `{`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := decodePlan("poll.c_1.r_1", []byte(tc.in))
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && (p.Done() || !p.Due().Equal(time.Date(2026, 11, 27, 9, 1, 0, 0, time.UTC))) {
				t.Fatalf("plan %+v: done=%v due=%s", p, p.Done(), p.Due())
			}
		})
	}
}
