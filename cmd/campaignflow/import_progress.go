package main

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// importProgress shows how far an import got: on a terminal a bar redrawn
// in place (at most every 100ms), elsewhere (logs, CI) a plain line every
// interval. The fraction comes from the bytes read of a file of known size.
type importProgress struct {
	w        io.Writer
	tty      bool
	total    int64 // file size; 0 when unknown (stdin)
	read     *atomic.Int64
	interval time.Duration
	clock    clockwork.Clock
	start    time.Time
	last     time.Time
	rows     int
}

func newImportProgress(w io.Writer, tty bool, total int64, read *atomic.Int64, interval time.Duration, clock clockwork.Clock) *importProgress {
	t := clock.Now()
	return &importProgress{w: w, tty: tty, total: total, read: read, interval: interval, clock: clock, start: t, last: t}
}

// row is called for every CSV row read (its 1-based row number in the file).
func (p *importProgress) row(n int) {
	p.rows++
	every := p.interval
	if p.tty {
		every = 100 * time.Millisecond
	}
	if p.rows%256 != 0 && !p.tty {
		return // the clock is read once per 256 rows off a terminal
	}
	now := p.clock.Now()
	if now.Sub(p.last) < every {
		return
	}
	p.last = now
	p.draw(now, n)
}

// done draws the final state (and ends the bar's line).
func (p *importProgress) done() {
	if p.tty {
		p.draw(p.clock.Now(), 0)
		fmt.Fprintln(p.w)
	}
}

func (p *importProgress) draw(now time.Time, rowNum int) {
	elapsed := now.Sub(p.start)
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.rows) / elapsed.Seconds()
	}
	frac := -1.0
	if p.total > 0 {
		frac = min(1, float64(p.read.Load())/float64(p.total))
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r%s %s rows  %s rows/s ", progressBar(frac, 30), groupDigits(p.rows), groupDigits(int(rate)))
		return
	}
	pct := ""
	if frac >= 0 {
		pct = fmt.Sprintf(" (%.0f%% of the file)", 100*frac)
	}
	fmt.Fprintf(p.w, "import: %s rows read%s, row %d, %s rows/s, %s\n", groupDigits(p.rows), pct, rowNum, groupDigits(int(rate)), elapsed.Round(time.Second))
}

// progressBar renders frac (0..1; negative: unknown) as [#####.....] NN%.
func progressBar(frac float64, width int) string {
	if frac < 0 {
		return "[" + strings.Repeat("?", width) + "]    "
	}
	full := int(frac * float64(width))
	return fmt.Sprintf("[%s%s] %3.0f%%", strings.Repeat("#", full), strings.Repeat(".", width-full), 100*frac)
}

// groupDigits writes 1234567 as 1,234,567.
func groupDigits(n int) string { return english.Sprintf("%d", n) }

// english prints numbers with thousands separators.
var english = message.NewPrinter(language.English)

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}
