package main

import (
	"context"
	"os"
	"os/signal"
	"sync/atomic"
)

// forceKey holds, in a command's context, the context that a second
// signal cancels.
type forceKey struct{}

// forceHandled is set by a command that stops cleanly on a second signal
// (run: it naks the events in flight first); otherwise a second signal
// exits at once.
var forceHandled atomic.Bool

// notifySignals returns a context cancelled by the first of sigs; the
// second cancels the force context (see forceFrom) or, when no command
// handles it, exits 130; the third always exits 130.
func notifySignals(parent context.Context, sigs ...os.Signal) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	force, forceNow := context.WithCancel(context.Background())
	ctx = context.WithValue(ctx, forceKey{}, force)
	ch := make(chan os.Signal, 3)
	signal.Notify(ch, sigs...)
	done := make(chan struct{})
	go func() {
		for n := 1; ; n++ {
			select {
			case <-ch:
			case <-done:
				return
			}
			switch {
			case n == 1:
				cancel()
			case n == 2 && forceHandled.Load():
				forceNow()
			default:
				os.Exit(130)
			}
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel()
		forceNow()
	}
}

// forceFrom is the context a second signal cancels (never done when the
// command was not started by main).
func forceFrom(ctx context.Context) context.Context {
	if f, ok := ctx.Value(forceKey{}).(context.Context); ok {
		return f
	}
	return context.Background()
}
