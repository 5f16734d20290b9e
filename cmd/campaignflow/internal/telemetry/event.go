package telemetry

import "context"

// Event identifies the event a context works on (for log lines).
type Event struct {
	ID   string
	Type string
}

type eventKey struct{}

// WithEvent returns ctx marked as working on event id of type typ; the
// middleware does this, NewLogHandler reads it.
func WithEvent(ctx context.Context, id, typ string) context.Context {
	return context.WithValue(ctx, eventKey{}, Event{ID: id, Type: typ})
}

// eventFrom returns the event ctx works on.
func eventFrom(ctx context.Context) (Event, bool) {
	e, ok := ctx.Value(eventKey{}).(Event)
	return e, ok
}
