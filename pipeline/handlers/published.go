package handlers

import (
	"context"
	"time"
)

type publishedKey struct{}

// withPublished carries the time the event was published (its stream
// timestamp) to the handler: a cancel and a promo are ordered by it.
func withPublished(ctx context.Context, t time.Time) context.Context {
	if t.IsZero() {
		return ctx
	}
	return context.WithValue(ctx, publishedKey{}, t)
}

// publishedAt is the event's publish time, or now when it is not known (a
// direct call rather than a message).
func publishedAt(ctx context.Context, now time.Time) time.Time {
	if t, ok := ctx.Value(publishedKey{}).(time.Time); ok {
		return t
	}
	return now
}
