package telemetry

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/metric"
)

// DefaultSlowCallAfter is how long a Chat Inc request may be in flight
// before it counts as slow (campaignflow_chatinc_calls_slow) and is logged.
const DefaultSlowCallAfter = 5 * time.Second

// callTracker counts Chat Inc requests in flight and those in flight for
// longer than after, and warns once for each slow one while it still hangs
// (instead of saying nothing until its timeout).
type callTracker struct {
	after    time.Duration
	log      *slog.Logger
	inFlight atomic.Int64
	slow     atomic.Int64
}

// track marks r in flight; the returned func marks it finished.
func (c *callTracker) track(r *http.Request) (finish func()) {
	c.inFlight.Add(1)
	start := time.Now()
	var (
		mu          sync.Mutex
		done, fired bool
	)
	timer := time.AfterFunc(c.after, func() {
		mu.Lock()
		if done {
			mu.Unlock()
			return
		}
		fired = true
		c.slow.Add(1)
		mu.Unlock()
		c.log.WarnContext(r.Context(), "chatinc: call still in flight", "endpoint", Endpoint(r), "method", r.Method,
			"in_flight_for", time.Since(start).Round(time.Millisecond).String(),
			"hint", "Chat Inc or the network to it is slow or stalled; the call's timeout (chatinc.timeout) ends it")
	})
	return func() {
		timer.Stop()
		mu.Lock()
		done = true
		if fired {
			c.slow.Add(-1)
		}
		mu.Unlock()
		c.inFlight.Add(-1)
	}
}

// observe reports the two gauges.
func (c *callTracker) observe(_ context.Context, o metric.Observer, inFlight, slow metric.Int64ObservableGauge) {
	o.ObserveInt64(inFlight, c.inFlight.Load())
	o.ObserveInt64(slow, c.slow.Load())
}

// SlowCalls is the number of Chat Inc requests in flight for longer than
// the slow-call threshold right now.
func (t *Telemetry) SlowCalls() int64 { return t.calls.slow.Load() }
