package chatinc

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

// flowCall takes a ticket of f (moving the fake clock on while the token is
// ahead), holds it for after, and releases it with err.
func flowCall(t *testing.T, f *flow, clock *clockwork.FakeClock, after time.Duration, err error) {
	t.Helper()
	ctx := context.Background()
	got := make(chan ticket, 1)
	go func() { tk, _ := f.acquire(ctx, time.Time{}); got <- tk }()
	var tk ticket
	for waiting := true; waiting; {
		select {
		case tk = <-got:
			waiting = false
		case <-time.After(time.Millisecond): // the token is further away: move the fake clock on
			clock.Advance(50 * time.Millisecond)
		}
	}
	clock.Advance(after)
	tk.release(ctx, err)
}

// TestScattered503sDoNotCutTheRate: one call in twenty fails with a 503
// (noise the retries absorb): the rate is not cut, where cutting on each
// drove it to the floor. When a third of the calls fail, it is cut; a 429
// cuts at once.
func TestScattered503sDoNotCutTheRate(t *testing.T) {
	clock := clockwork.NewFakeClock()
	f := newFlow(ClassCalls, FlowControl{}.withDefaults(), clock)
	unavailable := &APIError{StatusCode: http.StatusServiceUnavailable}
	for range 20 {
		flowCall(t, f, clock, 20*time.Millisecond, nil)
	}
	for i := range 400 {
		var err error
		if i%20 == 19 {
			err = unavailable
		}
		flowCall(t, f, clock, 20*time.Millisecond, err)
	}
	f.mu.Lock()
	cut := !f.lastCut.IsZero()
	f.mu.Unlock()
	if cut {
		t.Fatalf("5%% of calls with a 503 cut the rate (now %.1f calls/s)", f.state().Limit)
	}
	before := f.state().Limit
	for i := range 60 {
		var err error
		if i%3 == 0 {
			err = unavailable
		}
		flowCall(t, f, clock, 20*time.Millisecond, err)
	}
	if after := f.state().Limit; after >= before {
		t.Fatalf("a third of calls with a 503 did not cut the rate: %.1f then %.1f calls/s", before, after)
	}
	f2 := newFlow(ClassCalls, FlowControl{}.withDefaults(), clock)
	for range 20 {
		flowCall(t, f2, clock, 20*time.Millisecond, nil)
	}
	before = f2.state().Limit
	flowCall(t, f2, clock, 20*time.Millisecond, &APIError{StatusCode: http.StatusTooManyRequests})
	if after := f2.state().Limit; after >= before {
		t.Fatalf("a 429 did not cut the rate: %.1f then %.1f calls/s", before, after)
	}
}
