package handlers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/ledger"
)

// RunCampaign runs an existing Chat Inc campaign once for the tick
// scheduledAt (config jobs that name a campaign_id; the scheduler's
// CampaignRunner). Keyed in the ledger by campaign and tick.
func (h *Handlers) RunCampaign(ctx context.Context, campaignID string, audiences []string, scheduledAt time.Time) (RunInfo, error) {
	if campaignID == "" || scheduledAt.IsZero() {
		return RunInfo{}, permanent(errors.New("handlers: RunCampaign needs a campaign id and the tick time"))
	}
	if len(audiences) == 0 {
		audiences = []string{"all"}
	}
	key := ledger.CampaignRunKey(campaignID, scheduledAt)
	info, err := h.runTick(ctx, key, campaignID, audiences, scheduledAt, func(out ledger.Outcome, at time.Time) RunInfo {
		return RunInfo{CampaignID: campaignID, RunID: out.RunID, At: at}
	})
	if err != nil {
		return RunInfo{}, classify(fmt.Errorf("handlers: scheduled run of campaign %s at %s: %w", campaignID, scheduledAt.UTC().Format(time.RFC3339), err))
	}
	return info, nil
}
