package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline/caps"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
	"github.com/campaignflow/campaignflow/sources"
)

// previewLedger is what the idempotency ledger says about the promo: a
// campaign made for its promo id before is the one the worker runs (the
// event's title, message, image and buttons are not used), and a run
// recorded for the same time is not made again.
type previewLedger struct {
	NATS        string `json:"nats"`
	CampaignKey string `json:"campaign_key"`
	CampaignID  string `json:"campaign_id,omitempty"` // the promo's campaign, when the ledger has one
	// Message is that campaign's message as Chat Inc has it (what is sent);
	// empty when Chat Inc does not list the campaign.
	Message   string     `json:"message,omitempty"`
	InChatInc bool       `json:"in_chatinc"`
	RunKey    string     `json:"run_key,omitempty"` // the (next) run's key; none for a cron without a tick ahead
	RunID     string     `json:"run_id,omitempty"`  // a run recorded under RunKey: nothing is sent again
	RunState  string     `json:"run_state,omitempty"`
	RunAt     *time.Time `json:"run_at,omitempty"`
}

// ledgerReader reads ledger records (*ledger.Ledger).
type ledgerReader interface {
	Get(ctx context.Context, key string) (ledger.Record, bool, error)
}

// openPreviewBus connects to NATS at url (creds: a credentials file or
// "") and opens the ledger and the frequency-cap counters, to read only
// (counters is nil when their bucket does not exist). close ends the
// connection.
func openPreviewBus(ctx context.Context, url, creds string, names sources.Names) (l ledgerReader, counters capsReader, close func(), err error) {
	opts := []nats.Option{nats.Name("campaignflow-promo-preview"), nats.Timeout(natsConnectTimeout), nats.MaxReconnects(0)}
	if creds != "" {
		opts = append(opts, nats.UserCredentials(creds))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cannot reach NATS at %s: %w", shownURLs(url), err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, nil, fmt.Errorf("JetStream on %s: %w", shownURLs(url), err)
	}
	kv, err := js.KeyValue(ctx, names.LedgerBucket)
	if err != nil {
		nc.Close()
		return nil, nil, nil, missingResource(fmt.Errorf("ledger: %w", err), "KV bucket", names.LedgerBucket, shownURLs(url))
	}
	ckv, err := js.KeyValue(ctx, names.CapsBucket)
	switch {
	case err == nil:
		counters = caps.New(ckv)
	case !errors.Is(err, jetstream.ErrBucketNotFound):
		nc.Close()
		return nil, nil, nil, fmt.Errorf("frequency-cap counters (KV %s): %w", names.CapsBucket, err)
	}
	return ledger.New(kv), counters, nc.Close, nil
}

// lookUpLedger fills p.Ledger from l: the promo's campaign key and the key
// of its (next) run, due at due (zero: now). A campaign the ledger names
// is looked up in Chat Inc (campaigns, a read) for the message it sends.
func lookUpLedger(ctx context.Context, l ledgerReader, c *chatinc.Client, p *promoPreview, natsURL string, due time.Time, hasRun bool) error {
	pl := &previewLedger{NATS: shownURLs(natsURL), CampaignKey: ledger.CampaignKey(p.PromoID)}
	rec, ok, err := l.Get(ctx, pl.CampaignKey)
	if err != nil {
		return fmt.Errorf("promo preview: ledger %s: %w", pl.CampaignKey, err)
	}
	if ok && rec.Outcome.CampaignID != "" {
		pl.CampaignID = rec.Outcome.CampaignID
		cs, err := c.RetrieveCampaigns(ctx, chatinc.RetrieveCampaignsOptions{})
		if err != nil {
			return fmt.Errorf("promo preview: campaigns: %w", err)
		}
		for _, x := range cs {
			if x.CampaignID == pl.CampaignID {
				pl.InChatInc, pl.Message = true, x.Message
			}
		}
		if !pl.InChatInc {
			// The worker's words (handlers: errCampaignGone): a permanent dead letter.
			p.Problems = append(p.Problems, previewProblem{Field: "/promo_id", Problem: fmt.Sprintf(
				"the ledger and Chat Inc disagree: Chat Inc has no campaign %s, which the ledger (%s) names for promo %s; the worker dead-letters the promo; "+
					"to create the campaign again: `campaignflow ledger forget %s --yes`", pl.CampaignID, pl.CampaignKey, p.PromoID, pl.CampaignKey)})
		}
	}
	if hasRun {
		pl.RunKey = ledger.RunKey(p.PromoID, due)
		rec, ok, err := l.Get(ctx, pl.RunKey)
		if err != nil {
			return fmt.Errorf("promo preview: ledger %s: %w", pl.RunKey, err)
		}
		if ok && (rec.Outcome.RunID != "" || rec.State != ledger.StateAbandoned) {
			pl.RunID, pl.RunState = rec.Outcome.RunID, rec.State
			if !rec.Outcome.At.IsZero() {
				at := rec.Outcome.At
				pl.RunAt = &at
			}
		}
	}
	p.Ledger = pl
	return nil
}
