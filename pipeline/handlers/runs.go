package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
)

// TickRunLead is how long after its tick a cron tick's run is scheduled at
// Chat Inc (timeToRun = tick + TickRunLead). The timeToRun names the tick,
// so a tick whose worker died mid-call is reconciled to exactly its own run,
// never to a neighbouring tick's (under a per-second cron their creation
// times cannot tell them apart). A tick retried later than that runs now.
const TickRunLead = ledger.TickRunLead

// tickSendMargin is how far ahead of the scheduled time the call must be
// sent for the schedule to stay in the future at Chat Inc.
const tickSendMargin = 500 * time.Millisecond

// RunStarter is the one path by which a campaign run starts: a send-promo's
// run (now or at a time), a cron promo's tick and a configured campaign's
// tick all go through the ledger under their key, once, and each run's
// RunInfo goes to the run observer (its poll plan) before the ledger
// records it done.
type RunStarter struct {
	client   ledger.ChatInc
	ledger   *ledger.Ledger
	observer RunObserver
	clock    clockwork.Clock
	log      *slog.Logger
	// untaggedTicks: Chat Inc refused a tick's timeToRun once; ticks run now.
	untaggedTicks atomic.Bool
}

// NewRunStarter returns the run path over the ledger l. Options read:
// WithRunObserver, WithClock, WithLogger.
func NewRunStarter(client ledger.ChatInc, l *ledger.Ledger, opts ...Option) (*RunStarter, error) {
	if client == nil || l == nil {
		return nil, errors.New("handlers: NewRunStarter needs a Chat Inc client and a ledger")
	}
	s := newSettings(opts)
	return &RunStarter{client: client, ledger: l, observer: s.observer, clock: s.clock, log: s.log}, nil
}

// afterRun is what must follow a started run with its poll plan, before
// the ledger records it done (a send report); nil for nothing.
type afterRun func(ctx context.Context, ran RunInfo) error

// start runs req once under key. info names the run; its RunID and At
// (the requested time, else now by this worker's clock) are filled in and
// it goes to then and the observer before the ledger says done. started is
// false when the ledger had recorded the run done before (no observer
// call: its plan was stored then); info is then as the caller passed it.
func (s *RunStarter) start(ctx context.Context, key string, req chatinc.RunCampaignRequest, info RunInfo, then afterRun,
	opts ...ledger.RunOption) (out ledger.Outcome, ran RunInfo, started bool, err error) {
	follow := ledger.OnOutcome(func(ctx context.Context, out ledger.Outcome) error {
		// The poll plan counts from when the run starts by this worker's
		// clock: the requested time, or now. (Chat Inc's own timestamp is
		// on its clock, which the sandbox runs faster under --time-scale.)
		// A run found by reconciling (its worker died mid-call) ran when
		// the ledger says (Chat Inc's createdAt), not now: the earlier.
		at := req.TimeToRun
		if at.IsZero() {
			at = s.clock.Now()
			if !out.At.IsZero() && out.At.Before(at) {
				at = out.At
			}
		}
		ran = info
		ran.RunID, ran.At, started = out.RunID, at.UTC(), true
		if then != nil {
			if err := then(ctx, ran); err != nil {
				return err
			}
		}
		if s.observer == nil {
			return nil
		}
		return s.observer.RunStarted(ctx, ran)
	})
	out, err = s.ledger.RunCampaign(ctx, s.client, key, req, append(opts, follow)...)
	if !started {
		ran = info
	}
	return out, ran, started, err
}

// at runs campaignID once under key for at (zero: now; a time already past
// runs now, still once under its key).
func (s *RunStarter) at(ctx context.Context, key, campaignID string, audiences []string, at time.Time, info RunInfo, then afterRun,
	opts ...ledger.RunOption) (ledger.Outcome, RunInfo, bool, error) {
	req := chatinc.RunCampaignRequest{CampaignID: campaignID, Audiences: audiences}
	if !at.IsZero() && at.After(s.clock.Now()) {
		req.TimeToRun = at
	}
	return s.start(ctx, key, req, info, then, opts...)
}

// tick runs campaignID once under key for the tick scheduledAt, scheduled
// TickRunLead after the tick at Chat Inc while there is time for that, or
// at startAt when that is later (the end of quiet hours).
func (s *RunStarter) tick(ctx context.Context, key, campaignID string, audiences []string, scheduledAt, startAt time.Time, info RunInfo, then afterRun,
	opts ...ledger.RunOption) (RunInfo, error) {
	tag := scheduledAt.Add(TickRunLead).Truncate(time.Second)
	quiet := false // moved out of quiet hours: never run now instead
	if moved := startAt.Truncate(time.Second); moved.After(tag) {
		tag, quiet = moved, true
	}
	req := chatinc.RunCampaignRequest{CampaignID: campaignID, Audiences: audiences}
	if quiet || (!s.untaggedTicks.Load() && s.clock.Now().Add(tickSendMargin).Before(tag)) {
		req.TimeToRun = tag
	}
	out, ran, started, err := s.start(ctx, key, req, info, then, append(opts, ledger.MatchTimeToRun(tag))...)
	if err != nil && !quiet && !req.TimeToRun.IsZero() && errors.Is(err, chatinc.ErrValidation) {
		// Chat Inc refused the schedule (its clock is ahead of ours, e.g. a
		// time-scaled sandbox): run ticks now from here on.
		s.untaggedTicks.Store(true)
		s.log.WarnContext(ctx, "handlers: Chat Inc refused a tick's timeToRun; ticks run immediately from now on", "key", key, "err", err)
		req.TimeToRun = time.Time{}
		out, ran, started, err = s.start(ctx, key, req, info, then, append(opts, ledger.MatchTimeToRun(tag))...)
	}
	if err != nil {
		return RunInfo{}, err
	}
	if !started { // done before (no follow-up this time)
		ran.RunID, ran.At = out.RunID, scheduledAt.UTC()
		if out.At.After(scheduledAt) {
			ran.At = out.At.UTC()
		}
	}
	return ran, nil
}

// RunCampaign runs an existing Chat Inc campaign once for the tick
// scheduledAt (config jobs that name a campaign_id; the scheduler's
// CampaignRunner). Keyed in the ledger by campaign and tick.
func (s *RunStarter) RunCampaign(ctx context.Context, campaignID string, audiences []string, scheduledAt time.Time) (RunInfo, error) {
	if campaignID == "" || scheduledAt.IsZero() {
		return RunInfo{}, permanent(errors.New("handlers: RunCampaign needs a campaign id and the tick time"))
	}
	if len(audiences) == 0 {
		audiences = []string{allAudiences}
	}
	info, err := s.tick(ctx, ledger.CampaignRunKey(campaignID, scheduledAt), campaignID, audiences, scheduledAt, scheduledAt, RunInfo{CampaignID: campaignID}, nil)
	if err != nil {
		return RunInfo{}, classify(fmt.Errorf("handlers: scheduled run of campaign %s at %s: %w", campaignID, scheduledAt.UTC().Format(time.RFC3339), err))
	}
	return info, nil
}
