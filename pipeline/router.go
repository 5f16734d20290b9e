package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Router dispatches messages to handlers by event type.
type Router struct {
	handlers map[string]Handler
	mws      []Middleware
}

// NewRouter returns an empty router.
func NewRouter() *Router { return &Router{handlers: map[string]Handler{}} }

// Handle registers h for eventType.
func (r *Router) Handle(eventType string, h Handler) { r.handlers[eventType] = h }

// HandleEvent registers h for eventType with the message body decoded (and
// checked) by decode first, once: h gets the typed event, and a decode
// error is the message's error.
func HandleEvent[E any](r *Router, eventType string, decode func(data []byte) (E, error), h func(ctx context.Context, m *Message, ev E) error) {
	r.Handle(eventType, func(ctx context.Context, m *Message) error {
		ev, err := decode(m.Data)
		if err != nil {
			return err
		}
		return h(ctx, m, ev)
	})
}

// Use adds middleware around every handler (the first added is outermost).
func (r *Router) Use(mws ...Middleware) { r.mws = append(r.mws, mws...) }

// Types lists the registered event types.
func (r *Router) Types() []string {
	var ts []string
	for t := range r.handlers {
		ts = append(ts, t)
	}
	slices.Sort(ts)
	return ts
}

// Handler returns the dispatching handler, wrapped in the middleware. An
// unknown type is a permanent error naming the known ones.
func (r *Router) Handler() Handler {
	dispatch := func(ctx context.Context, m *Message) error {
		h, ok := r.handlers[m.Type]
		if !ok {
			return Permanent(fmt.Errorf("pipeline: event %s: unknown type %q (known: %s)", m.ID, m.Type, strings.Join(r.Types(), ", ")))
		}
		return h(ctx, m)
	}
	return Chain(dispatch, r.mws...)
}
