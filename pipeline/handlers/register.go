package handlers

import (
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
