package main

import (
	"bytes"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

func TestImportProgressLinesOffATerminal(t *testing.T) {
	var out bytes.Buffer
	var read atomic.Int64
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	p := newImportProgress(&out, false, 1000, &read, 5*time.Second, clock)
	for i := 1; i <= 512; i++ {
		p.row(i + 1)
	}
	if out.Len() != 0 {
		t.Fatalf("printed %q before the interval passed", out.String())
	}
	clock.Advance(6 * time.Second)
	read.Store(500)
	for i := 513; i <= 768; i++ {
		p.row(i + 1)
	}
	want := "import: 768 rows read (50% of the file), row 769, 128 rows/s, 6s\n"
	if out.String() != want {
		t.Errorf("progress line %q, want %q", out.String(), want)
	}
	p.done()
	if strings.Count(out.String(), "\n") != 1 {
		t.Errorf("done off a terminal printed more: %q", out.String())
	}
}

func TestImportProgressBarOnATerminal(t *testing.T) {
	var out bytes.Buffer
	var read atomic.Int64
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	p := newImportProgress(&out, true, 0, &read, time.Second, clock)
	clock.Advance(2 * time.Second)
	p.row(2)
	p.done()
	if !strings.HasPrefix(out.String(), "\r[??????") || !strings.HasSuffix(out.String(), "\n") {
		t.Errorf("bar %q; want an unknown-size bar redrawn with \\r and ended with a newline", out.String())
	}
}

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}
