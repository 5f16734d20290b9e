package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/jobs"
)

// storeJob writes the promo's job, keeping created_at of an earlier write.
func (h *Handlers) storeJob(ctx context.Context, promoID string, job jobs.Promo) error {
	key := jobs.PromoKey(promoID)
	if old, err := h.jobs.Get(ctx, key); err == nil {
		var prev jobs.Promo
		if json.Unmarshal(old.Value(), &prev) == nil && !prev.CreatedAt.IsZero() {
			job.CreatedAt = prev.CreatedAt
		}
	} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("handlers: read schedule %s: %w", key, err)
	}
	b, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("handlers: encode schedule %s: %w", key, err)
	}
	if _, err := h.jobs.Put(ctx, key, b); err != nil {
		return fmt.Errorf("handlers: store schedule %s: %w", key, err)
	}
	return nil
}

// loadJob reads a stored cron promo.
func (h *Handlers) loadJob(ctx context.Context, promoID string) (jobs.Promo, error) {
	if h.jobs == nil {
		return jobs.Promo{}, errors.New("handlers: no jobs bucket configured (WithJobs)")
	}
	e, err := h.jobs.Get(ctx, jobs.PromoKey(promoID))
	if err != nil {
		return jobs.Promo{}, fmt.Errorf("handlers: schedule %s: %w", jobs.PromoKey(promoID), err)
	}
	var job jobs.Promo
	if err := json.Unmarshal(e.Value(), &job); err != nil {
		return jobs.Promo{}, fmt.Errorf("handlers: schedule %s holds invalid JSON: %w", jobs.PromoKey(promoID), err)
	}
	return job, nil
}
