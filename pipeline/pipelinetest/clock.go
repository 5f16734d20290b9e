package pipelinetest

import (
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// InstantClock is a clockwork.Clock on real time whose waits (After,
// Sleep) return at once: retries and backoffs take no time. It records
// every wait asked for (Waits). Timers and tickers are real.
type InstantClock struct {
	clockwork.Clock
	mu    sync.Mutex
	waits []time.Duration
}

// NewInstantClock returns an InstantClock.
func NewInstantClock() *InstantClock { return &InstantClock{Clock: clockwork.NewRealClock()} }

// After records d and returns a channel that already holds the time.
func (c *InstantClock) After(d time.Duration) <-chan time.Time {
	c.record(d)
	ch := make(chan time.Time, 1)
	ch <- c.Now()
	return ch
}

// Sleep records d and returns.
func (c *InstantClock) Sleep(d time.Duration) { c.record(d) }

// Waits is every wait asked for, in order.
func (c *InstantClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

func (c *InstantClock) record(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
}
