// Package sandboxtest starts the Chat Inc sandbox on a loopback port for
// tests, and gives its simulated time as a clock (Clock).
package sandboxtest

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
)

// Start serves a new sandbox on 127.0.0.1 and returns it with its base URL;
// it is closed when the test ends.
func Start(tb testing.TB, opts sandbox.Options) (*sandbox.Server, string) {
	tb.Helper()
	s := sandbox.New(opts)
	ts := httptest.NewServer(s)
	tb.Cleanup(ts.Close)
	return s, ts.URL
}

// Clock is the sandbox's simulated clock as a clockwork.Clock for the code
// under test: Now is the sandbox's now, and a wait (After, Sleep) advances
// the sandbox by its duration at once, so retries, approval polls and
// schedules take no real time and stay in step with the sandbox. Timers
// and tickers are not supported (they panic).
type Clock struct{ Sandbox *sandbox.Server }

var _ clockwork.Clock = Clock{}

// Now is the sandbox's simulated time.
func (c Clock) Now() time.Time { return c.Sandbox.Now() }

// Since is Now less t.
func (c Clock) Since(t time.Time) time.Duration { return c.Sandbox.Now().Sub(t) }

// Until is t less Now.
func (c Clock) Until(t time.Time) time.Duration { return t.Sub(c.Sandbox.Now()) }

// Sleep advances the sandbox by d.
func (c Clock) Sleep(d time.Duration) { c.Sandbox.Advance(d) }

// After advances the sandbox by d and returns a channel holding the new now.
func (c Clock) After(d time.Duration) <-chan time.Time {
	c.Sandbox.Advance(d)
	ch := make(chan time.Time, 1)
	ch <- c.Sandbox.Now()
	return ch
}

// NewTicker panics: not supported.
func (c Clock) NewTicker(time.Duration) clockwork.Ticker { panic("sandboxtest.Clock: no tickers") }

// NewTimer panics: not supported.
func (c Clock) NewTimer(time.Duration) clockwork.Timer { panic("sandboxtest.Clock: no timers") }

// AfterFunc panics: not supported.
func (c Clock) AfterFunc(time.Duration, func()) clockwork.Timer {
	panic("sandboxtest.Clock: no timers")
}
