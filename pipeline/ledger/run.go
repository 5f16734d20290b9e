package ledger

import (
	"context"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
)

// RunOption tunes one RunCampaign.
type RunOption func(*runOptions)

type runOptions struct {
	tag       time.Time
	audiences bool
	onOutcome func(context.Context, Outcome) error
}

// MatchAudiences makes reconciliation take only a run to exactly the
// request's audiences (when Chat Inc lists a run's audiences): a run to an
// audience derived for it (a capped run, a local-time zone's run) is told
// from the campaign's other runs by its audience, also from immediate runs
// of keys that are not its siblings (two zones whose time has passed).
func MatchAudiences() RunOption { return func(o *runOptions) { o.audiences = true } }

// MatchTimeToRun makes reconciliation look for a run with this timeToRun
// first (a cron tick's run is scheduled a moment after its tick, so its
// timeToRun names the tick), also when this attempt's request runs now.
func MatchTimeToRun(t time.Time) RunOption { return func(o *runOptions) { o.tag = t } }

// OnOutcome stores what must follow the run (its poll plan) before the
// ledger records it as done (see effect.OnOutcome).
func OnOutcome(f func(context.Context, Outcome) error) RunOption {
	return func(o *runOptions) { o.onOutcome = f }
}

// RunCampaign runs a campaign once under key (RunKey or CampaignRunKey).
// Reconciling looks at the campaign's runs that no sibling key (same prefix
// up to the last '.') owns: a scheduled run (or a tagged one,
// MatchTimeToRun) matches by timeToRun, exactly; an immediate one by
// createdAt after the intent (less the clock skew), among immediate runs
// only, so it never adopts a run that another key scheduled for its time.
func (l *Ledger) RunCampaign(ctx context.Context, c ChatInc, key string, req chatinc.RunCampaignRequest, opts ...RunOption) (Outcome, error) {
	var o runOptions
	for _, f := range opts {
		f(&o)
	}
	if o.tag.IsZero() {
		o.tag = req.TimeToRun
	}
	return l.do(ctx, key, effect{
		OnOutcome: o.onOutcome,
		Describe: func(rec *Record) {
			immediate := req.TimeToRun.IsZero() || (rec.Run != nil && rec.Run.Immediate)
			rec.Run = &RunRequest{CampaignID: req.CampaignID, Audiences: req.Audiences, TimeToRun: o.tag.UTC(), Immediate: immediate,
				MatchAudiences: o.audiences}
		},
		Call: func(ctx context.Context) (Outcome, error) {
			r, err := c.RunCampaign(ctx, req)
			if err != nil {
				return Outcome{}, err
			}
			return runOutcome(req.CampaignID, *r), nil
		},
		Reconcile: func(ctx context.Context, rec Record) (Outcome, bool, error) {
			return l.findRun(ctx, c, key, req, o.tag, rec, o.audiences)
		},
	})
}

func runOutcome(campaignID string, r chatinc.Run) Outcome {
	at := r.TimeToRun
	if at == 0 {
		at = r.CreatedAt
	}
	return Outcome{CampaignID: campaignID, RunID: r.RunID, At: time.Unix(at, 0).UTC()}
}

func (l *Ledger) findRun(ctx context.Context, c ChatInc, key string, req chatinc.RunCampaignRequest, tag time.Time, rec Record,
	matchAudiences bool) (Outcome, bool, error) {
	all, err := c.RetrieveCampaigns(ctx, chatinc.RetrieveCampaignsOptions{})
	if err != nil {
		return Outcome{}, false, err
	}
	var cmp *chatinc.Campaign
	for i := range all {
		if all[i].CampaignID == req.CampaignID {
			cmp = &all[i]
		}
	}
	if cmp == nil || len(cmp.Runs) == 0 {
		return Outcome{}, false, nil
	}
	owned := map[string]bool{}
	if err := l.eachRecord(ctx, siblingsFilter(key), func(k string, r Record) {
		if k != key && r.Outcome.RunID != "" {
			owned[r.Outcome.RunID] = true
		}
	}); err != nil {
		return Outcome{}, false, err
	}
	if matchAudiences {
		for _, r := range cmp.Runs {
			if len(r.Audiences) > 0 && !SameAudiences(r.Audiences, req.Audiences) {
				owned[r.RunID] = true // another run's audience: never this one
			}
		}
	}
	if !tag.IsZero() {
		for _, r := range cmp.Runs {
			if !owned[r.RunID] && r.TimeToRun == tag.Unix() {
				return runOutcome(cmp.CampaignID, r), true, nil
			}
		}
	}
	if !req.TimeToRun.IsZero() {
		return Outcome{}, false, nil
	}
	// An immediate request (also a tagged tick retried too late to schedule):
	// the earliest unowned immediate run created after the intent.
	since := rec.IntentAt.Add(-l.skew).Unix()
	for _, r := range cmp.Runs {
		if !owned[r.RunID] && r.TimeToRun == 0 && r.CreatedAt >= since {
			return runOutcome(cmp.CampaignID, r), true, nil
		}
	}
	return Outcome{}, false, nil
}
