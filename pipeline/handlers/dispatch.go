package handlers

import (
	"context"
	"fmt"

	"github.com/campaignflow/campaignflow/pipeline/events"
)

// Handle parses an event body of eventType and runs its handler. eventID
// is the message's id (Nats-Msg-Id, event_id or CloudEvents id); when empty
// the body's event_id is used. The error, if any, carries its class
// (ClassOf).
func (h *Handlers) Handle(ctx context.Context, eventType, eventID string, data []byte) error {
	v, err := events.Parse(eventType, data)
	if err != nil {
		if c := classify(err); c != err {
			return c
		}
		return permanent(fmt.Errorf("handlers: %w", err))
	}
	switch ev := v.(type) {
	case *events.SegmentUpdated:
		return h.Segment(ctx, firstNonEmpty(eventID, ev.EventID), ev)
	case *events.AudienceFileUploaded:
		return h.File(ctx, firstNonEmpty(eventID, ev.EventID), ev)
	case *events.SendPromo:
		return h.Promo(ctx, firstNonEmpty(eventID, ev.EventID), ev)
	case *events.ScheduleCancelled:
		return h.Cancel(ctx, firstNonEmpty(eventID, ev.EventID), ev)
	}
	return permanent(fmt.Errorf("handlers: no handler for event type %q", eventType))
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
