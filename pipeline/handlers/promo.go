package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/jobs"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
	"github.com/campaignflow/campaignflow/pipeline/quiethours"
)

// PromoHandler handles send-promo: the campaign is created once per promo
// id (through the ledger, as a template, not run), approval is awaited, then
// it runs now or at schedule.at (one run per requested time, ever), or its
// cron schedule is stored in the jobs bucket for the scheduler, whose ticks
// come back as RunPromo.
type PromoHandler struct {
	client   PromoClient
	ledger   *ledger.Ledger
	jobs     promoJobs
	runs     *RunStarter
	approval ApprovalPolicy
	quiet    quiethours.Window
	zone     *time.Location
	caps     counter
	// sendReports gets the send_report.v1 of each capped run.
	sendReports SendReportPublisher
	clock       clockwork.Clock
	log         *slog.Logger
}

// NewPromoHandler returns the handler: campaigns are created through the
// ledger l, runs start through runs, cron promos are stored in the jobs
// bucket kv. Options read: WithApproval, WithQuietHours,
// WithDefaultTimeZone, WithCaps, WithSendReports, WithClock, WithLogger.
func NewPromoHandler(client PromoClient, l *ledger.Ledger, runs *RunStarter, kv jetstream.KeyValue, opts ...Option) (*PromoHandler, error) {
	if client == nil || l == nil || runs == nil || kv == nil {
		return nil, errors.New("handlers: NewPromoHandler needs a Chat Inc client, a ledger, a run starter and the jobs bucket")
	}
	s := newSettings(opts)
	return &PromoHandler{client: client, ledger: l, jobs: promoJobs{kv}, runs: runs, approval: s.approval,
		quiet: s.quiet, zone: s.zone, caps: s.caps, sendReports: s.sends, clock: s.clock, log: s.log}, nil
}

func (h *PromoHandler) register(r *pipeline.Router) {
	registerOrdered(r, events.TypeSendPromo, h.promo)
}

// Handle validates the event, then handles it (the router's path validates
// once, at decode).
func (h *PromoHandler) Handle(ctx context.Context, eventID string, ev *events.SendPromo) error {
	return checked(ctx, eventID, ev, h.promo)
}

func (h *PromoHandler) promo(ctx context.Context, eventID string, ev *events.SendPromo) error {
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
	if ev.Schedule.IsLocal() && !ev.Schedule.IsLocalCron() {
		return h.runLocal(ctx, ev, campaignID)
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
func (h *PromoHandler) ensureCampaign(ctx context.Context, ev *events.SendPromo) (string, error) {
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
// observer (its poll plan) before the ledger records it done. The run is
// keyed by the requested time; it starts then, or at the end of the
// promo's quiet hours when that time falls inside them.
func (h *PromoHandler) run(ctx context.Context, ev *events.SendPromo, campaignID string, at time.Time) (RunInfo, error) {
	key := ledger.RunKey(ev.PromoID, at)
	runAt := h.startAt(ctx, ev, at)
	audiences, then, done, skip, err := h.cappedRun(ctx, ev, key, campaignID, runAt)
	if err != nil || skip {
		return RunInfo{}, err
	}
	out, info, started, err := h.runs.at(ctx, key, campaignID, audiences, runAt,
		RunInfo{PromoID: ev.PromoID, CampaignID: campaignID, Title: ev.Title}, then, derivedOpts(then)...)
	done(ctx)
	if err != nil {
		return RunInfo{}, classify(fmt.Errorf("handlers: send-promo: run campaign %s of promo %s (%s): %w", campaignID, ev.PromoID, key, err))
	}
	if !started { // recorded done before: its plan was stored then
		info.RunID, info.At = out.RunID, out.At
		h.log.InfoContext(ctx, "handlers: promo already ran for this time; nothing sent again (ledger key "+key+")",
			"promo_id", ev.PromoID, "campaign_id", campaignID, "run_id", out.RunID, "at", out.At)
		return info, nil
	}
	h.log.InfoContext(ctx, "handlers: promo run", "promo_id", ev.PromoID, "campaign_id", campaignID, "run_id", out.RunID, "at", out.At)
	return info, nil
}

func (h *PromoHandler) storeCron(ctx context.Context, ev *events.SendPromo, campaignID string) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return permanent(fmt.Errorf("handlers: send-promo: encode promo %s: %w", ev.PromoID, err))
	}
	s := ev.Schedule
	job := jobs.Promo{Promo: body, CampaignID: campaignID, Cron: s.Cron, TimeZone: s.TimeZone, Until: jobs.Time{Time: s.UntilTime()},
		CatchUp: s.CatchUp, CreatedAt: jobs.Time{Time: h.clock.Now().UTC()}}
	if s.IsLocalCron() {
		// The scheduler ticks whenever local_time comes in some zone (every
		// quarter hour past its minute, in UTC); each tick runs the zones
		// whose local time it is on a day of the cron (RunPromo).
		job.Cron, job.TimeZone = localDriverCron(s.LocalTime), "UTC"
	}
	published := publishedAt(ctx, h.clock.Now())
	// A schedule-cancelled published after this promo may have been handled
	// first: check its marker before storing, and again after (it may land
	// in between; the cancel deletes after marking).
	if cancelled, err := h.jobs.cancelledSince(ctx, ev.PromoID, published); err != nil || cancelled {
		if err == nil {
			h.log.InfoContext(ctx, "handlers: promo schedule not stored: a later schedule-cancelled came first", "promo_id", ev.PromoID)
		}
		return err
	}
	if err := h.jobs.store(ctx, ev.PromoID, job); err != nil {
		return classify(err)
	}
	if cancelled, err := h.jobs.cancelledSince(ctx, ev.PromoID, published); err != nil || cancelled {
		if err != nil {
			return err
		}
		if err := h.jobs.remove(ctx, ev.PromoID); err != nil {
			return classify(fmt.Errorf("handlers: send-promo: take back schedule of cancelled promo %s: %w", ev.PromoID, err))
		}
		h.log.InfoContext(ctx, "handlers: promo schedule taken back: a later schedule-cancelled came meanwhile", "promo_id", ev.PromoID)
		return nil
	}
	h.log.InfoContext(ctx, "handlers: promo schedule stored", "promo_id", ev.PromoID, "campaign_id", campaignID, "cron", s.Cron)
	return nil
}

// RunPromo runs a stored cron promo once for the tick scheduledAt (the
// scheduler calls it on every tick); runs go through the ledger keyed by the
// tick time, so a tick runs once however often it is called.
func (h *PromoHandler) RunPromo(ctx context.Context, promoID string, scheduledAt time.Time) (RunInfo, error) {
	job, err := h.jobs.load(ctx, promoID)
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
	if ev.Schedule.IsLocalCron() {
		return h.runLocalTick(ctx, &ev, campaignID, scheduledAt)
	}
	// Keyed by the tick; the run is scheduled a moment after it (TickRunLead),
	// or at the end of the promo's quiet hours when the tick falls inside.
	key := ledger.RunKey(promoID, scheduledAt)
	runAt := h.startAt(ctx, &ev, scheduledAt)
	if runAt.After(scheduledAt.Add(TickRunLead)) {
		// Moved out of quiet hours: keyed by the window's end, so the ticks
		// inside one window make one run there, not one each.
		key = ledger.RunKey(promoID, runAt)
	}
	audiences, then, done, skip, err := h.cappedRun(ctx, &ev, key, campaignID, later(runAt, scheduledAt.Add(TickRunLead)))
	if err != nil {
		return RunInfo{}, err
	}
	if skip { // nobody left to send to this tick (its send report says so)
		return RunInfo{PromoID: promoID, CampaignID: campaignID, Title: ev.Title}, nil
	}
	info, err := h.runs.tick(ctx, key, campaignID, audiences, scheduledAt, runAt,
		RunInfo{PromoID: promoID, CampaignID: campaignID, Title: ev.Title}, then, derivedOpts(then)...)
	done(ctx)
	if err != nil {
		return RunInfo{}, classify(fmt.Errorf("handlers: scheduled run of promo %s at %s: %w", promoID, scheduledAt.UTC().Format(time.RFC3339), err))
	}
	return info, nil
}

// later is the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
