package ledger

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/campaignflow/campaignflow/chatinc"
)

// CreateCampaign creates the promo's campaign once, ever. Reconciling
// matches a campaign with the same title and message created after the
// intent (less the clock skew) that no other promo's ledger entry owns.
func (l *Ledger) CreateCampaign(ctx context.Context, c ChatInc, promoID string, req chatinc.CreateCampaignRequest) (Outcome, error) {
	return l.do(ctx, CampaignKey(promoID), effect{
		Call: func(ctx context.Context) (Outcome, error) {
			cmp, err := c.CreateCampaign(ctx, req)
			if err != nil {
				return Outcome{}, err
			}
			return Outcome{CampaignID: cmp.CampaignID}, nil
		},
		Reconcile: func(ctx context.Context, rec Record) (Outcome, bool, error) {
			return l.findCampaign(ctx, c, promoID, req, rec)
		},
	})
}

func (l *Ledger) findCampaign(ctx context.Context, c ChatInc, promoID string, req chatinc.CreateCampaignRequest, rec Record) (Outcome, bool, error) {
	all, err := c.RetrieveCampaigns(ctx, chatinc.RetrieveCampaignsOptions{})
	if err != nil {
		return Outcome{}, false, err
	}
	since := rec.IntentAt.Add(-l.skew).Unix()
	var candidates []chatinc.Campaign
	for _, cmp := range all {
		if cmp.Title == req.Title && cmp.Message == req.Message && cmp.CreatedAt >= since {
			candidates = append(candidates, cmp)
		}
	}
	if len(candidates) == 0 {
		return Outcome{}, false, nil
	}
	owned, err := l.ownedCampaigns(ctx, promoID)
	if err != nil {
		return Outcome{}, false, err
	}
	for _, cmp := range candidates { // ordered by createdAt: the earliest unowned one
		if !owned[cmp.CampaignID] {
			return Outcome{CampaignID: cmp.CampaignID}, true, nil
		}
	}
	return Outcome{}, false, nil
}

// ownedCampaigns are the campaign ids other promos' ledger entries hold.
func (l *Ledger) ownedCampaigns(ctx context.Context, exceptPromo string) (map[string]bool, error) {
	owned := map[string]bool{}
	err := l.eachRecord(ctx, campaignKeysFilter, func(key string, rec Record) {
		if key != CampaignKey(exceptPromo) && rec.Outcome.CampaignID != "" {
			owned[rec.Outcome.CampaignID] = true
		}
	})
	return owned, err
}

func (l *Ledger) eachRecord(ctx context.Context, filter string, fn func(key string, rec Record)) error {
	lister, err := l.kv.ListKeysFiltered(ctx, filter)
	if err != nil {
		return fmt.Errorf("ledger: list %s: %w", filter, err)
	}
	var keys []string
	for k := range lister.Keys() {
		keys = append(keys, k)
	}
	for _, k := range keys {
		e, err := l.kv.Get(ctx, k)
		if err != nil {
			continue // deleted meanwhile
		}
		var rec Record
		if json.Unmarshal(e.Value(), &rec) == nil {
			fn(k, rec)
		}
	}
	return nil
}
