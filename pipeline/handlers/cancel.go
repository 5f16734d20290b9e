package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/jobs"
)

// Cancel handles schedule-cancelled: the promo's stored cron schedule is
// deleted (already absent is fine: the event is idempotent).
func (h *Handlers) Cancel(ctx context.Context, eventID string, ev *events.ScheduleCancelled) error {
	if err := ev.Validate(); err != nil {
		return classify(err)
	}
	return h.cancel(ctx, eventID, ev)
}

// cancel is Cancel for an event already validated (the router's path: events.Decode
// checked it).
func (h *Handlers) cancel(ctx context.Context, eventID string, ev *events.ScheduleCancelled) error {
	if h.jobs == nil {
		return permanent(errors.New("handlers: schedule-cancelled: no jobs bucket configured (WithJobs)"))
	}
	// The marker first, then the delete: a send-promo storing its schedule
	// meanwhile sees the marker once it has stored, and takes it back.
	at := publishedAt(ctx, h.now()).UTC()
	marker, err := json.Marshal(jobs.Cancelled{At: jobs.Time{Time: at}})
	if err != nil {
		return permanent(err)
	}
	if _, err := h.jobs.Put(ctx, jobs.CancelKey(ev.PromoID), marker); err != nil {
		return classify(fmt.Errorf("handlers: schedule-cancelled %s: mark %s cancelled: %w", eventID, ev.PromoID, err))
	}
	key := jobs.PromoKey(ev.PromoID)
	if err := h.jobs.Delete(ctx, key); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return classify(fmt.Errorf("handlers: schedule-cancelled %s: delete %s: %w", eventID, key, err))
	}
	h.log.InfoContext(ctx, "handlers: schedule cancelled", "promo_id", ev.PromoID, "event_id", eventID)
	return nil
}
