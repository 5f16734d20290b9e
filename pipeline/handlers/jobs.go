package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/jobs"
)

// promoJobs is the jobs bucket as the send-promo and schedule-cancelled
// handlers use it: stored cron promos and cancel markers (pipeline/jobs
// owns the records and keys).
type promoJobs struct{ kv jetstream.KeyValue }

// store writes the promo's job, keeping created_at of an earlier write.
func (j promoJobs) store(ctx context.Context, promoID string, job jobs.Promo) error {
	key := jobs.PromoKey(promoID)
	if old, err := j.kv.Get(ctx, key); err == nil {
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
	if _, err := j.kv.Put(ctx, key, b); err != nil {
		return fmt.Errorf("handlers: store schedule %s: %w", key, err)
	}
	return nil
}

// load reads a stored cron promo.
func (j promoJobs) load(ctx context.Context, promoID string) (jobs.Promo, error) {
	e, err := j.kv.Get(ctx, jobs.PromoKey(promoID))
	if err != nil {
		return jobs.Promo{}, fmt.Errorf("handlers: schedule %s: %w", jobs.PromoKey(promoID), err)
	}
	var job jobs.Promo
	if err := json.Unmarshal(e.Value(), &job); err != nil {
		return jobs.Promo{}, fmt.Errorf("handlers: schedule %s holds invalid JSON: %w", jobs.PromoKey(promoID), err)
	}
	return job, nil
}

// remove deletes the promo's stored schedule (already absent is fine).
func (j promoJobs) remove(ctx context.Context, promoID string) error {
	if err := j.kv.Delete(ctx, jobs.PromoKey(promoID)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return err
	}
	return nil
}

// markCancelled stores the cancel marker of promoID: cancelled at at.
func (j promoJobs) markCancelled(ctx context.Context, promoID string, at time.Time) error {
	marker, err := json.Marshal(jobs.Cancelled{At: jobs.Time{Time: at}})
	if err != nil {
		return permanent(err)
	}
	_, err = j.kv.Put(ctx, jobs.CancelKey(promoID), marker)
	return err
}

// cancelledSince reports whether a schedule-cancelled of promoID published
// at or after published has been handled (its marker).
func (j promoJobs) cancelledSince(ctx context.Context, promoID string, published time.Time) (bool, error) {
	e, err := j.kv.Get(ctx, jobs.CancelKey(promoID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, classify(fmt.Errorf("handlers: send-promo: read cancel marker of %s: %w", promoID, err))
	}
	var c jobs.Cancelled
	if err := json.Unmarshal(e.Value(), &c); err != nil {
		return false, nil // not a marker this version wrote: ignore it
	}
	return !c.At.Before(published), nil
}
