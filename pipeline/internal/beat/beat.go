// Package beat keeps something alive in the background: a renewal called
// every interval until its owner stops it, as the ledger's claim heartbeat
// and the scheduler's tick-claim renewal need while a call is in flight.
package beat

import (
	"context"
	"time"
)

// Start calls renew every interval, each call bounded by the interval, until
// stop is called or failed (called with a renewal's error while not
// stopping) returns false because what is renewed is lost. stop waits for
// the goroutine to end.
func Start(ctx context.Context, interval time.Duration, renew func(ctx context.Context) error, failed func(error) (keep bool)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			rctx, rcancel := context.WithTimeout(ctx, interval)
			err := renew(rctx)
			rcancel()
			if err != nil && ctx.Err() == nil && !failed(err) {
				return
			}
		}
	}()
	return func() { cancel(); <-done }
}
