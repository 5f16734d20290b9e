package scheduler

import (
	"context"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/results"
)

// PromoRunner runs a stored promo once for the tick scheduledAt. The pipeline's
// promo handler implements it; its idempotency ledger guards again, keyed on
// promo id and scheduledAt.
type PromoRunner interface {
	RunPromo(ctx context.Context, promoID string, scheduledAt time.Time) (results.RunInfo, error)
}

// PromoRunnerFunc adapts a function to PromoRunner.
type PromoRunnerFunc func(ctx context.Context, promoID string, scheduledAt time.Time) (results.RunInfo, error)

// RunPromo calls f.
func (f PromoRunnerFunc) RunPromo(ctx context.Context, promoID string, scheduledAt time.Time) (results.RunInfo, error) {
	return f(ctx, promoID, scheduledAt)
}

// CampaignRunner starts a run of an existing Chat Inc campaign for the tick
// scheduledAt. Needed only by config jobs that name a campaign_id.
type CampaignRunner interface {
	RunCampaign(ctx context.Context, campaignID string, audiences []string, scheduledAt time.Time) (results.RunInfo, error)
}
