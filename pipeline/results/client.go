package results

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/sinks"
)

// Client is what the poller needs from Chat Inc; *chatinc.Client has it.
type Client interface {
	RetrieveCampaigns(ctx context.Context, opts chatinc.RetrieveCampaignsOptions) ([]chatinc.Campaign, error)
	CampaignDetails(ctx context.Context, req chatinc.CampaignDetailsRequest) iter.Seq2[chatinc.ContactResult, error]
}

// snapshotOf finds the run in the campaigns and builds its snapshot.
// ErrRunGone: Chat Inc does not list the campaign or run of a poll plan
// (deleted, or a sandbox that lost its state).
var ErrRunGone = errors.New("results: run not in Chat Inc")

func snapshotOf(campaigns []chatinc.Campaign, run RunInfo, poll int, takenAt time.Time) (sinks.CampaignSnapshot, error) {
	for _, c := range campaigns {
		if c.CampaignID != run.CampaignID {
			continue
		}
		for _, r := range c.Runs {
			if r.RunID != run.RunID {
				continue
			}
			title := c.Title
			if title == "" {
				title = run.Title
			}
			s := sinks.CampaignSnapshot{Schema: sinks.SchemaCampaignSnapshot, CampaignID: c.CampaignID, PromoID: run.PromoID,
				Title: title, RunID: r.RunID, Poll: poll, TakenAt: takenAt.UTC(),
				Sent: r.Sent, Delivered: r.Delivered, Read: r.Read, SendErrors: r.SendErrors,
				DeliveryErrors: r.DeliveryErrors, NotOnWhatsApp: r.NotOnWhatsApp}
			s.Rates()
			return s, nil
		}
		return sinks.CampaignSnapshot{}, fmt.Errorf("%w: campaign %s has no run %s in /v1/retrieve/campaigns", ErrRunGone, run.CampaignID, run.RunID)
	}
	return sinks.CampaignSnapshot{}, fmt.Errorf("%w: campaign %s not in /v1/retrieve/campaigns", ErrRunGone, run.CampaignID)
}

// contactRows streams the run's per-contact rows as outcomes.
func contactRows(ctx context.Context, c Client, run RunInfo) iter.Seq2[sinks.ContactOutcome, error] {
	return func(yield func(sinks.ContactOutcome, error) bool) {
		req := chatinc.CampaignDetailsRequest{CampaignID: run.CampaignID, RunID: run.RunID, Format: chatinc.FormatJSON}
		for r, err := range c.CampaignDetails(ctx, req) {
			if err != nil {
				yield(sinks.ContactOutcome{}, fmt.Errorf("results: contact rows of %s/%s: %w", run.CampaignID, run.RunID, err))
				return
			}
			if r.RunID != "" && r.RunID != run.RunID {
				continue
			}
			o := sinks.ContactOutcome{Schema: sinks.SchemaContactOutcome, CampaignID: run.CampaignID, RunID: run.RunID,
				Number: r.Number, Status: r.Action, Error: r.Error, UpdatedAt: unixTime(r.UpdatedAt)}
			if !yield(o, nil) {
				return
			}
		}
	}
}

func retrieveAll() chatinc.RetrieveCampaignsOptions { return chatinc.RetrieveCampaignsOptions{} }

func unixTime(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}
