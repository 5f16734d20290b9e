package handlers

import (
	"context"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
)

// AudienceClient is what the segment and file handlers need of the Chat
// Inc client (*chatinc.Client): merges into audiences and variable groups.
type AudienceClient interface {
	CreateAudience(ctx context.Context, a chatinc.Audience) (*chatinc.AudienceResult, error)
	CreateVariableGroup(ctx context.Context, g chatinc.VariableGroup) (*chatinc.VariableGroupResult, error)
}

// PromoClient is what the send-promo handler needs of the Chat Inc client:
// the ledger's calls and the audience list.
type PromoClient interface {
	ledger.ChatInc
	RetrieveAudiences(ctx context.Context) ([]chatinc.AudienceInfo, error)
}
