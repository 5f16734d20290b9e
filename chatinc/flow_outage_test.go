package chatinc

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

// TestOutageCutsTheRateOnce: Chat Inc goes away for 20 s (every call
// times out, round after round): the rate is cut once, to half, not on
// every round down to the floor, so the worker is not left crawling at 1
// call/s when Chat Inc comes back.
func TestOutageCutsTheRateOnce(t *testing.T) {
	clock := clockwork.NewFakeClock()
	f := newFlow(ClassCalls, FlowControl{}.withDefaults(), clock)
	call := func(after time.Duration, err error) { t.Helper(); flowCall(t, f, clock, after, err) }
	for range 20 {
		call(100*time.Millisecond, nil)
	}
	before := f.state().Limit
	timeout := fmt.Errorf("chatinc: /v1/run/campaign: %w", context.DeadlineExceeded)
	for range 4 { // 4 rounds of 5 s timeouts
		call(5*time.Second, timeout)
	}
	f.mu.Lock()
	wMax, rate := f.wMax, f.rate
	f.mu.Unlock()
	if wMax < before/2 || rate < before/2*DefaultFlowBackoff {
		t.Errorf("after a 20 s outage from %.0f calls/s: rate %.1f, cut from %.1f; want one cut to half", before, rate, wMax)
	}
	call(100*time.Millisecond, nil) // Chat Inc is back
	call(5*time.Second, timeout)    // and a timeout after a success cuts again
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.wMax >= wMax {
		t.Errorf("a timeout after a success did not cut: cut from %.1f, then %.1f", wMax, f.wMax)
	}
}
