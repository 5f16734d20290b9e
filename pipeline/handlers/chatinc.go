package handlers

import (
	"context"
	"iter"

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
// the ledger's calls, the audience list, and (for a frequency cap) an
// audience's contacts and the audience derived from them.
type PromoClient interface {
	ledger.ChatInc
	RetrieveAudiences(ctx context.Context) ([]chatinc.AudienceInfo, error)
	AudienceContacts(ctx context.Context, audienceID string) iter.Seq2[chatinc.Contact, error]
	CreateAudience(ctx context.Context, a chatinc.Audience) (*chatinc.AudienceResult, error)
}
