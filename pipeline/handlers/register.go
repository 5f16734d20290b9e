package handlers

import (
	"context"

	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/events"
)

// Register adds the handler of each of the four event types to r, typed:
// the router's dispatch by type is the only one, and each body is parsed and
// validated once (events.Decode) before its handler runs. Errors are marked
// for the runner (classify).
func (h *Handlers) Register(r *pipeline.Router) {
	pipeline.HandleEvent(r, events.TypeSegmentUpdated, decoder[events.SegmentUpdated](events.TypeSegmentUpdated),
		func(ctx context.Context, m *pipeline.Message, ev *events.SegmentUpdated) error {
			return classify(h.segment(ctx, firstNonEmpty(m.ID, ev.EventID), ev))
		})
	pipeline.HandleEvent(r, events.TypeAudienceFileUploaded, decoder[events.AudienceFileUploaded](events.TypeAudienceFileUploaded),
		func(ctx context.Context, m *pipeline.Message, ev *events.AudienceFileUploaded) error {
			return classify(h.file(ctx, firstNonEmpty(m.ID, ev.EventID), ev))
		})
	pipeline.HandleEvent(r, events.TypeSendPromo, decoder[events.SendPromo](events.TypeSendPromo),
		func(ctx context.Context, m *pipeline.Message, ev *events.SendPromo) error {
			return classify(h.promo(withPublished(ctx, m.Published), firstNonEmpty(m.ID, ev.EventID), ev))
		})
	pipeline.HandleEvent(r, events.TypeScheduleCancelled, decoder[events.ScheduleCancelled](events.TypeScheduleCancelled),
		func(ctx context.Context, m *pipeline.Message, ev *events.ScheduleCancelled) error {
			return classify(h.cancel(withPublished(ctx, m.Published), firstNonEmpty(m.ID, ev.EventID), ev))
		})
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

// Handle runs the handler of eventType on a body, as a message would (one
// router with the four handlers): tools and tests that hold a body rather
// than a message use it.
func (h *Handlers) Handle(ctx context.Context, eventType, eventID string, data []byte) error {
	r := pipeline.NewRouter()
	h.Register(r)
	return r.Handler()(ctx, &pipeline.Message{Type: eventType, ID: eventID, Data: data})
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
