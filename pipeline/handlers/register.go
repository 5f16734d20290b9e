package handlers

import (
	"context"

	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/events"
)

// Set is the four event handlers, one per event type.
type Set struct {
	Segment *SegmentHandler
	File    *FileHandler
	Promo   *PromoHandler
	Cancel  *CancelHandler
}

// Register adds each handler to r for its event type, typed: the router's
// dispatch by type is the only one, and each body is parsed and validated
// once (events.Decode) before its handler runs. Errors are marked for the
// runner (classify).
func (s Set) Register(r *pipeline.Router) {
	s.Segment.register(r)
	s.File.register(r)
	s.Promo.register(r)
	s.Cancel.register(r)
}

// event is what a handler is registered for: an event type with its checks
// and its own id.
type event[T any] interface {
	events.Event[T]
	ID() string
}

// register adds handle for eventType to r: the body is decoded and checked
// once; handle gets the message's id (else the body's); its error is marked
// for the runner.
func register[T any, P event[T]](r *pipeline.Router, eventType string, handle func(context.Context, string, P) error) {
	pipeline.HandleEvent(r, eventType, decoder[T, P](eventType), func(ctx context.Context, m *pipeline.Message, ev P) error {
		return classify(handle(ctx, firstNonEmpty(m.ID, ev.ID()), ev))
	})
}

// registerOrdered is register for a handler that orders events by their
// publish time: handle gets it in ctx too (publishedAt). The others go
// without it, a context layer less for every lookup of their calls.
func registerOrdered[T any, P event[T]](r *pipeline.Router, eventType string, handle func(context.Context, string, P) error) {
	pipeline.HandleEvent(r, eventType, decoder[T, P](eventType), func(ctx context.Context, m *pipeline.Message, ev P) error {
		return classify(handle(withPublished(ctx, m.Published), firstNonEmpty(m.ID, ev.ID()), ev))
	})
}

// checked validates ev, then runs handle: the handlers' Handle, for callers
// that hold a typed event rather than a message (the router's path checks
// at decode).
func checked[T any, P event[T]](ctx context.Context, eventID string, ev P, handle func(context.Context, string, P) error) error {
	if err := ev.Validate(); err != nil {
		return classify(err)
	}
	return handle(ctx, eventID, ev)
}

// decoder parses and validates one event type; its errors are marked
// (an invalid event is a validation error).
func decoder[T any, P events.Event[T]](eventType string) func([]byte) (P, error) {
	return func(data []byte) (P, error) {
		ev, err := events.Decode[T, P](eventType, data)
		if err != nil {
			return nil, classify(err)
		}
		return ev, nil
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
