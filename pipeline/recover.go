package pipeline

import (
	"context"
	"fmt"
	"runtime/debug"
)

// Recover turns a handler's panic into a permanent error with its stack, so
// one bad event cannot take the worker down.
func Recover() Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, m *Message) (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = Permanent(fmt.Errorf("pipeline: event %s (%s): handler panicked: %v\n%s", m.ID, m.Type, p, debug.Stack()))
				}
			}()
			return next(ctx, m)
		}
	}
}
