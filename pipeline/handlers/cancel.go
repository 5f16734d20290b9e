package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jonboulle/clockwork"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/jobs"
)

// CancelHandler handles schedule-cancelled: the promo's stored cron
// schedule is deleted (already absent is fine: the event is idempotent).
type CancelHandler struct {
	jobs  promoJobs
	clock clockwork.Clock
	log   *slog.Logger
}

// NewCancelHandler returns the handler over the jobs bucket. Options read:
// WithClock, WithLogger.
func NewCancelHandler(kv jetstream.KeyValue, opts ...Option) (*CancelHandler, error) {
	if kv == nil {
		return nil, errors.New("handlers: NewCancelHandler needs the jobs bucket")
	}
	s := newSettings(opts)
	return &CancelHandler{jobs: promoJobs{kv}, clock: s.clock, log: s.log}, nil
}

func (h *CancelHandler) register(r *pipeline.Router) {
	registerOrdered(r, events.TypeScheduleCancelled, h.cancel)
}

// Handle validates the event, then handles it (the router's path validates
// once, at decode).
func (h *CancelHandler) Handle(ctx context.Context, eventID string, ev *events.ScheduleCancelled) error {
	return checked(ctx, eventID, ev, h.cancel)
}

func (h *CancelHandler) cancel(ctx context.Context, eventID string, ev *events.ScheduleCancelled) error {
	// The marker first, then the delete: a send-promo storing its schedule
	// meanwhile sees the marker once it has stored, and takes it back.
	at := publishedAt(ctx, h.clock.Now()).UTC()
	if err := h.jobs.markCancelled(ctx, ev.PromoID, at); err != nil {
		return classify(fmt.Errorf("handlers: schedule-cancelled %s: mark %s cancelled: %w", eventID, ev.PromoID, err))
	}
	if err := h.jobs.remove(ctx, ev.PromoID); err != nil {
		return classify(fmt.Errorf("handlers: schedule-cancelled %s: delete %s: %w", eventID, jobs.PromoKey(ev.PromoID), err))
	}
	h.log.InfoContext(ctx, "handlers: schedule cancelled", "promo_id", ev.PromoID, "event_id", eventID)
	return nil
}
