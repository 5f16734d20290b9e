package handlers

import (
	"context"
	"errors"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
)

// TickRunLead is how long after its tick a cron tick's run is scheduled at
// Chat Inc (timeToRun = tick + TickRunLead). The timeToRun names the tick,
// so a tick whose worker died mid-call is reconciled to exactly its own run,
// never to a neighbouring tick's (under a per-second cron their creation
// times cannot tell them apart). A tick retried later than that runs now.
const TickRunLead = 2 * time.Second

// tickSendMargin is how far ahead of the scheduled time the call must be
// sent for the schedule to stay in the future at Chat Inc.
const tickSendMargin = 500 * time.Millisecond

// runTick runs campaignID for the tick scheduledAt once under key, and hands
// the run to the observer (its poll plan) before the ledger records it done.
func (h *Handlers) runTick(ctx context.Context, key, campaignID string, audiences []string, scheduledAt time.Time,
	info func(out ledger.Outcome, at time.Time) RunInfo) (RunInfo, error) {
	tag := scheduledAt.Add(TickRunLead).Truncate(time.Second)
	req := chatinc.RunCampaignRequest{CampaignID: campaignID, Audiences: audiences}
	if !h.untaggedTicks.Load() && h.now().Add(tickSendMargin).Before(tag) {
		req.TimeToRun = tag
	}
	var ri RunInfo
	follow := ledger.OnOutcome(func(ctx context.Context, out ledger.Outcome) error {
		at := req.TimeToRun
		if at.IsZero() {
			at = h.now().UTC()
		}
		ri = info(out, at.UTC())
		if h.observer == nil {
			return nil
		}
		return h.observer.RunStarted(ctx, ri)
	})
	out, err := h.ledger.RunCampaign(ctx, h.client, key, req, ledger.MatchTimeToRun(tag), follow)
	if err != nil && !req.TimeToRun.IsZero() && errors.Is(err, chatinc.ErrValidation) {
		// Chat Inc refused the schedule (its clock is ahead of ours, e.g. a
		// time-scaled sandbox): run ticks now from here on.
		h.untaggedTicks.Store(true)
		h.log.WarnContext(ctx, "handlers: Chat Inc refused a tick's timeToRun; ticks run immediately from now on", "key", key, "err", err)
		req.TimeToRun = time.Time{}
		out, err = h.ledger.RunCampaign(ctx, h.client, key, req, ledger.MatchTimeToRun(tag), follow)
	}
	if err != nil {
		return RunInfo{}, err
	}
	if ri.RunID == "" { // done before (no follow-up this time)
		at := scheduledAt
		if out.At.After(at) {
			at = out.At
		}
		ri = info(out, at.UTC())
	}
	return ri, nil
}
