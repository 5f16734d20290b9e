package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/jobs"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
)

// Promo handles send-promo: the campaign is created once per promo id
// (through the ledger, as a template, not run), approval is awaited, then
// it runs now or at schedule.at (one run per requested time, ever), or its
// cron schedule is stored in the jobs bucket for the scheduler.
func (h *Handlers) Promo(ctx context.Context, eventID string, ev *events.SendPromo) error {
	if err := ev.Validate(); err != nil {
		return classify(err)
	}
	return h.promo(ctx, eventID, ev)
}

// promo is Promo for an event already validated (the router's path: events.Decode
// checked it).
func (h *Handlers) promo(ctx context.Context, eventID string, ev *events.SendPromo) error {
	if ev.IsCron() && h.jobs == nil {
		return permanent(fmt.Errorf("handlers: send-promo %s: promo %s has a cron schedule but no jobs bucket is configured", eventID, ev.PromoID))
	}
	contacts, err := h.checkAudiences(ctx, ev)
	if err != nil {
		return err
	}
	if contacts == 0 {
		h.log.WarnContext(ctx, "handlers: promo reaches 0 contacts: its audiences are empty; it runs, but sends nothing",
			"promo_id", ev.PromoID, "audiences", ev.Audiences)
	}
	campaignID, err := h.ensureCampaign(ctx, ev)
	if err != nil {
		return err
	}
	if ev.IsCron() {
		return h.storeCron(ctx, ev, campaignID)
	}
	at := time.Time{}
	if ev.Schedule != nil {
		at = ev.Schedule.AtTime()
	}
	_, err = h.run(ctx, ev, campaignID, at)
	return err
}

// campaignRequest is the promo's campaign, created as a template only.
func campaignRequest(ev *events.SendPromo) chatinc.CreateCampaignRequest {
	lang := ev.LanguageCode
	if lang == "" {
		lang = "enUS"
	}
	return chatinc.CreateCampaignRequest{Title: ev.Title, Message: ev.Message, ImgURL: ev.ImageURL,
		Buttons: events.ChatIncButtons(ev.Buttons),
		Options: chatinc.CampaignOptions{RunImmediately: false, LanguageCode: lang, WhatsAppTemplateType: "MARKETING"}}
}

// ensureCampaign creates (once) and waits for approval of the promo's campaign.
func (h *Handlers) ensureCampaign(ctx context.Context, ev *events.SendPromo) (string, error) {
	out, err := h.ledger.CreateCampaign(ctx, h.client, ev.PromoID, campaignRequest(ev))
	if err != nil {
		return "", classify(fmt.Errorf("handlers: send-promo: create campaign of promo %s: %w", ev.PromoID, err))
	}
	if _, err := h.waitApproved(ctx, out.CampaignID); err != nil {
		if errors.Is(err, errCampaignGone) {
			key := ledger.CampaignKey(ev.PromoID)
			return "", permanent(fmt.Errorf("%w (it was deleted, or an embedded sandbox lost its state); to create the campaign again: `campaignflow ledger forget %s --yes`, then replay this event (`campaignflow dlq replay SEQ`)", err, key))
		}
		return "", err
	}
	return out.CampaignID, nil
}

// run starts the promo's run for at (zero: now) once, and hands it to the
// observer (its poll plan) before the ledger records it done.
func (h *Handlers) run(ctx context.Context, ev *events.SendPromo, campaignID string, at time.Time) (RunInfo, error) {
	key := ledger.RunKey(ev.PromoID, at)
	req := chatinc.RunCampaignRequest{CampaignID: campaignID, Audiences: ev.Audiences}
	if !at.IsZero() && at.After(h.now()) {
		req.TimeToRun = at // a time already past runs now, still once under its key
	}
	var info RunInfo
	out, err := h.ledger.RunCampaign(ctx, h.client, key, req, ledger.OnOutcome(func(ctx context.Context, out ledger.Outcome) error {
		// The poll plan counts from when the run starts by this worker's
		// clock: the requested time, or now. (Chat Inc's own timestamp is
		// on its clock, which the sandbox runs faster under --time-scale.)
		start := h.now().UTC()
		if !req.TimeToRun.IsZero() {
			start = req.TimeToRun.UTC()
		}
		info = RunInfo{PromoID: ev.PromoID, CampaignID: campaignID, RunID: out.RunID, Title: ev.Title, At: start}
		if h.observer == nil {
			return nil
		}
		return h.observer.RunStarted(ctx, info)
	}))
	if err != nil {
		return RunInfo{}, classify(fmt.Errorf("handlers: send-promo: run campaign %s of promo %s (%s): %w", campaignID, ev.PromoID, key, err))
	}
	if info.RunID == "" { // recorded done before: its plan was stored then
		info = RunInfo{PromoID: ev.PromoID, CampaignID: campaignID, RunID: out.RunID, Title: ev.Title, At: out.At}
		h.log.InfoContext(ctx, "handlers: promo already ran for this time; nothing sent again (ledger key "+key+")",
			"promo_id", ev.PromoID, "campaign_id", campaignID, "run_id", out.RunID, "at", out.At)
		return info, nil
	}
	h.log.InfoContext(ctx, "handlers: promo run", "promo_id", ev.PromoID, "campaign_id", campaignID, "run_id", out.RunID, "at", out.At)
	return info, nil
}

func (h *Handlers) storeCron(ctx context.Context, ev *events.SendPromo, campaignID string) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return permanent(fmt.Errorf("handlers: send-promo: encode promo %s: %w", ev.PromoID, err))
	}
	s := ev.Schedule
	job := jobs.Promo{Promo: body, CampaignID: campaignID, Cron: s.Cron, TimeZone: s.TimeZone, Until: jobs.Time{Time: s.UntilTime()},
		CatchUp: s.CatchUp, CreatedAt: jobs.Time{Time: h.now().UTC()}}
	published := publishedAt(ctx, h.now())
	// A schedule-cancelled published after this promo may have been handled
	// first: check its marker before storing, and again after (it may land
	// in between; the cancel deletes after marking).
	if cancelled, err := h.cancelledSince(ctx, ev.PromoID, published); err != nil || cancelled {
		if err == nil {
			h.log.InfoContext(ctx, "handlers: promo schedule not stored: a later schedule-cancelled came first", "promo_id", ev.PromoID)
		}
		return err
	}
	if err := h.storeJob(ctx, ev.PromoID, job); err != nil {
		return classify(err)
	}
	if cancelled, err := h.cancelledSince(ctx, ev.PromoID, published); err != nil || cancelled {
		if err != nil {
			return err
		}
		if err := h.jobs.Delete(ctx, jobs.PromoKey(ev.PromoID)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return classify(fmt.Errorf("handlers: send-promo: take back schedule of cancelled promo %s: %w", ev.PromoID, err))
		}
		h.log.InfoContext(ctx, "handlers: promo schedule taken back: a later schedule-cancelled came meanwhile", "promo_id", ev.PromoID)
		return nil
	}
	h.log.InfoContext(ctx, "handlers: promo schedule stored", "promo_id", ev.PromoID, "campaign_id", campaignID, "cron", s.Cron)
	return nil
}

// cancelledSince reports whether a schedule-cancelled of promoID published
// at or after published has been handled (its marker).
func (h *Handlers) cancelledSince(ctx context.Context, promoID string, published time.Time) (bool, error) {
	e, err := h.jobs.Get(ctx, jobs.CancelKey(promoID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, classify(fmt.Errorf("handlers: send-promo: read cancel marker of %s: %w", promoID, err))
	}
	var c jobs.Cancelled
	if err := json.Unmarshal(e.Value(), &c); err != nil {
		return false, nil // not a marker this version wrote: ignore it
	}
	return !c.At.Before(published), nil
}

// RunPromo runs a stored cron promo once for the tick scheduledAt (the
// scheduler calls it on every tick); runs go through the ledger keyed by the
// tick time, so a tick runs once however often it is called.
func (h *Handlers) RunPromo(ctx context.Context, promoID string, scheduledAt time.Time) (RunInfo, error) {
	job, err := h.loadJob(ctx, promoID)
	if err != nil {
		return RunInfo{}, err
	}
	var ev events.SendPromo
	if err := json.Unmarshal(job.Promo, &ev); err != nil {
		return RunInfo{}, permanent(fmt.Errorf("handlers: schedule of promo %s: stored promo is invalid: %w", promoID, err))
	}
	if ev.PromoID == "" {
		ev.PromoID = promoID
	}
	campaignID := job.CampaignID
	if campaignID == "" {
		if campaignID, err = h.ensureCampaign(ctx, &ev); err != nil {
			return RunInfo{}, err
		}
	}
	if scheduledAt.IsZero() {
		return RunInfo{}, errors.New("handlers: RunPromo needs the tick time (scheduledAt)")
	}
	// Keyed by the tick; the run is scheduled a moment after it (TickRunLead).
	key := ledger.RunKey(promoID, scheduledAt)
	info, err := h.runTick(ctx, key, campaignID, ev.Audiences, scheduledAt, func(out ledger.Outcome, at time.Time) RunInfo {
		return RunInfo{PromoID: promoID, CampaignID: campaignID, RunID: out.RunID, Title: ev.Title, At: at}
	})
	if err != nil {
		return RunInfo{}, classify(fmt.Errorf("handlers: scheduled run of promo %s at %s: %w", promoID, scheduledAt.UTC().Format(time.RFC3339), err))
	}
	return info, nil
}
