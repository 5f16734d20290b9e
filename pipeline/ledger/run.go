package ledger

import (
	"context"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
)

// RunCampaign runs a campaign once under key (RunKey or CampaignRunKey).
// Reconciling looks at the campaign's runs: a scheduled run matches by
// timeToRun; an immediate one by createdAt after the intent (less the clock
// skew), skipping runs that sibling keys (same prefix up to the last '.')
// already own.
func (l *Ledger) RunCampaign(ctx context.Context, c ChatInc, key string, req chatinc.RunCampaignRequest) (Outcome, error) {
	return l.Do(ctx, key, Effect{
		Call: func(ctx context.Context) (Outcome, error) {
			r, err := c.RunCampaign(ctx, req)
			if err != nil {
				return Outcome{}, err
			}
			return runOutcome(req.CampaignID, *r), nil
		},
		Reconcile: func(ctx context.Context, rec Record) (Outcome, bool, error) {
			return l.findRun(ctx, c, key, req, rec)
		},
	})
}

func runOutcome(campaignID string, r chatinc.Run) Outcome {
	at := r.TimeToRun
	if at == 0 {
		at = r.CreatedAt
	}
	return Outcome{CampaignID: campaignID, RunID: r.RunID, At: time.Unix(at, 0).UTC()}
}

func (l *Ledger) findRun(ctx context.Context, c ChatInc, key string, req chatinc.RunCampaignRequest, rec Record) (Outcome, bool, error) {
	all, err := c.RetrieveCampaigns(ctx, chatinc.RetrieveCampaignsOptions{})
	if err != nil {
		return Outcome{}, false, err
	}
	var cmp *chatinc.Campaign
	for i := range all {
		if all[i].CampaignID == req.CampaignID {
			cmp = &all[i]
		}
	}
	if cmp == nil || len(cmp.Runs) == 0 {
		return Outcome{}, false, nil
	}
	owned := map[string]bool{}
	if err := l.eachRecord(ctx, siblingsFilter(key), func(k string, r Record) {
		if k != key && r.Outcome.RunID != "" {
			owned[r.Outcome.RunID] = true
		}
	}); err != nil {
		return Outcome{}, false, err
	}
	since := rec.IntentAt.Add(-l.skew).Unix()
	for _, r := range cmp.Runs {
		if owned[r.RunID] {
			continue
		}
		if !req.TimeToRun.IsZero() && r.TimeToRun == req.TimeToRun.Unix() {
			return runOutcome(cmp.CampaignID, r), true, nil
		}
		if req.TimeToRun.IsZero() && r.CreatedAt >= since {
			return runOutcome(cmp.CampaignID, r), true, nil
		}
	}
	return Outcome{}, false, nil
}
