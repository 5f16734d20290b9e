package pipeline

import (
	"testing"
	"time"
)

func TestNakLogCountsSuppressed(t *testing.T) {
	l := nakLog{interval: time.Minute}
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	steps := []struct {
		seq        uint64
		at         time.Duration
		ok         bool
		suppressed int
	}{
		{1, 0, true, 0}, {1, time.Second, false, 0}, {2, time.Second, true, 0}, {1, 2 * time.Second, false, 0},
		{1, 61 * time.Second, true, 2}, {1, 62 * time.Second, false, 0},
	}
	for i, s := range steps {
		if ok, n := l.allow(s.seq, t0.Add(s.at)); ok != s.ok || n != s.suppressed {
			t.Fatalf("step %d: allow(%d) = %v, %d; want %v, %d", i, s.seq, ok, n, s.ok, s.suppressed)
		}
	}
	l.forget(1)
	if ok, _ := l.allow(1, t0.Add(63*time.Second)); !ok {
		t.Fatal("a forgotten message logs again")
	}
}
