package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/pipeline/ids"
)

// JobsBucket is the default KV bucket of persisted schedules.
const JobsBucket = "campaignflow_jobs"

// PromoJobKey is the jobs-bucket key of a cron promo.
func PromoJobKey(promoID string) string { return "promo." + ids.Token(promoID) }

// PromoJob is the JSON value stored under promo.<promoId> for the
// scheduler.
type PromoJob struct {
	Promo      json.RawMessage `json:"promo"` // the send-promo event body
	CampaignID string          `json:"campaign_id,omitempty"`
	Cron       string          `json:"cron"`
	TimeZone   string          `json:"time_zone,omitempty"`
	Until      string          `json:"until,omitempty"`
	CatchUp    string          `json:"catch_up,omitempty"`
	CreatedAt  time.Time       `json:"created_at"`
}

// storeJob writes the promo's job, keeping created_at of an earlier write.
func (h *Handlers) storeJob(ctx context.Context, promoID string, job PromoJob) error {
	key := PromoJobKey(promoID)
	if old, err := h.jobs.Get(ctx, key); err == nil {
		var prev PromoJob
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
func (h *Handlers) loadJob(ctx context.Context, promoID string) (PromoJob, error) {
	if h.jobs == nil {
		return PromoJob{}, errors.New("handlers: no jobs bucket configured (WithJobs)")
	}
	e, err := h.jobs.Get(ctx, PromoJobKey(promoID))
	if err != nil {
		return PromoJob{}, fmt.Errorf("handlers: schedule %s: %w", PromoJobKey(promoID), err)
	}
	var job PromoJob
	if err := json.Unmarshal(e.Value(), &job); err != nil {
		return PromoJob{}, fmt.Errorf("handlers: schedule %s holds invalid JSON: %w", PromoJobKey(promoID), err)
	}
	return job, nil
}
