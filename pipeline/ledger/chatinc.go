package ledger

import (
	"context"

	"github.com/campaignflow/campaignflow/chatinc"
)

// ChatInc is what the ledger's effects need of the Chat Inc client.
type ChatInc interface {
	CreateCampaign(ctx context.Context, req chatinc.CreateCampaignRequest) (*chatinc.Campaign, error)
	RunCampaign(ctx context.Context, req chatinc.RunCampaignRequest) (*chatinc.Run, error)
	RetrieveCampaigns(ctx context.Context, opts chatinc.RetrieveCampaignsOptions) ([]chatinc.Campaign, error)
}
