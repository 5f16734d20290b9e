package handlers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
)

// ApprovalPolicy is how send-promo waits for a campaign's WhatsApp
// template to be APPROVED: polls from Initial, doubling up to Max, for at
// most Limit (then the event is dead-lettered with the reason).
type ApprovalPolicy struct {
	Initial, Max, Limit time.Duration
}

// defaultApprovalPolicy polls after 2s, backing off to 30s, for 15 minutes.
func defaultApprovalPolicy() ApprovalPolicy {
	return ApprovalPolicy{Initial: 2 * time.Second, Max: 30 * time.Second, Limit: 15 * time.Minute}
}

// errCampaignGone: the ledger names a campaign that Chat Inc does not list.
var errCampaignGone = errors.New("handlers: send-promo: the ledger and Chat Inc disagree: Chat Inc has no")

// waitApproved polls the campaign list until the campaign is approved. The
// runner keeps the message alive meanwhile.
func (h *PromoHandler) waitApproved(ctx context.Context, campaignID string) (*chatinc.Campaign, error) {
	p := h.approval
	start := h.clock.Now()
	wait := p.Initial
	for {
		all, err := h.client.RetrieveCampaigns(ctx, chatinc.RetrieveCampaignsOptions{})
		if err != nil {
			return nil, classify(fmt.Errorf("handlers: send-promo: check approval of campaign %s: %w", campaignID, err))
		}
		var found *chatinc.Campaign
		for i := range all {
			if all[i].CampaignID == campaignID {
				found = &all[i]
			}
		}
		if found == nil {
			return nil, permanent(fmt.Errorf("%w: campaign %s", errCampaignGone, campaignID))
		}
		if found.Approved() {
			return found, nil
		}
		waited := h.clock.Now().Sub(start)
		if waited >= p.Limit {
			return nil, permanent(fmt.Errorf("handlers: send-promo: campaign %s template is still %s after %s (limit %s); check the template in Chat Inc, then replay the event from the DLQ",
				campaignID, found.WhatsAppTemplatesStatus, waited.Round(time.Second), p.Limit))
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("handlers: send-promo: waiting for approval of campaign %s: %w", campaignID, ctx.Err())
		case <-h.clock.After(min(wait, p.Limit-waited)):
		}
		wait = min(wait*2, p.Max)
	}
}
