package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/campaignflow/campaignflow/pipeline/e164"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/handlers"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
)

// previewZone is the run a local-time promo gets for its recipients in one
// zone: one derived audience and one run, keyed
// promo.<id>.run.<unix>.<zone>, at local_time there (quiet hours read in
// that zone, the frequency cap per zone run).
type previewZone struct {
	Zone           string     `json:"zone"`
	Due            *time.Time `json:"due,omitempty"`   // local_time there; absent: no cron tick ahead
	Start          *time.Time `json:"start,omitempty"` // when the run starts: due, the end of the quiet hours, or now for a time past
	Quiet          bool       `json:"in_quiet_hours"`
	Past           bool       `json:"past,omitempty"` // due is past: the run starts at once
	RunKey         string     `json:"run_key,omitempty"`
	Contacts       int        `json:"contacts"` // numbers of the audiences in this zone
	WouldSend      int        `json:"would_send"`
	Capped         int        `json:"capped"` // counted with --nats-url
	InvalidNumbers int        `json:"invalid_numbers"`
	RunState       string     `json:"run_state,omitempty"` // with --nats-url: the run is recorded, not made again
	// NoRun says why the worker makes no run for this zone: "capped"
	// (nobody left: every contact capped or an invalid number).
	NoRun string `json:"no_run,omitempty"`
}

// No-run reasons (promoPreview.NoRun, previewZone.NoRun).
const (
	noRunCapped   = "capped"   // a derived run with nobody left: every contact capped, or an invalid number
	noRunRecorded = "recorded" // the ledger has this run already
)

// previewLocalRuns splits the numbers read (each once) by zone with the
// handler's own code (handlers.LocalRuns) and counts, per zone run, whom it
// sends to: the frequency cap read per zone run with --nats-url, numbers
// not written in E.164 left out, as the handler's derived run does. It
// returns the numbers a zone run leaves out (capped).
func previewLocalRuns(ctx context.Context, ev *events.SendPromo, p *promoPreview, numbers []string, complete bool, s previewSettings, now time.Time) (map[string]bool, error) {
	opts := append(slices.Clone(s.handler), handlers.WithClock(clockwork.NewFakeClockAt(now)))
	fc := ev.FrequencyCap
	var mapper e164.Mapper
	p.Schedule.Zones = []previewZone{}
	if _, w, _ := handlers.PromoStart(ctx, ev, now, opts...); !w.IsZero() {
		p.Schedule.QuietHours, p.Schedule.QuietZone = w.String(), "each recipient's"
	}
	sent, capped, left := 0, 0, map[string]bool{}
	for _, r := range handlers.LocalRuns(ctx, ev, numbers, opts...) {
		z := previewZone{Zone: r.Zone, Contacts: len(r.Numbers), RunKey: r.Key, Quiet: r.Quiet}
		if !r.Due.IsZero() {
			due, start := r.Due, later(r.Start, now)
			z.Due, z.Start, z.Past = &due, &start, !r.Start.After(now)
		}
		var counts map[string]int
		if fc != nil && s.caps != nil && z.Due != nil {
			c, err := handlers.CapCounts(ctx, s.caps, fc, r.Key, r.Start)
			if c == nil && err != nil {
				return nil, fmt.Errorf("promo preview: frequency-cap counters of %s: %w", r.Key, err)
			}
			counts = c
		}
		for _, n := range r.Numbers {
			verdict := ""
			if fc != nil {
				verdict = handlers.CapVerdict(n, counts, fc)
			} else if out, err := mapper.E164(n); err != nil || out != n {
				verdict = handlers.LeftOutInvalidNumber
			}
			switch verdict {
			case handlers.LeftOutInvalidNumber:
				z.InvalidNumbers++
			case handlers.LeftOutCapped:
				z.Capped++
				left[n] = true
			default:
				z.WouldSend++
			}
		}
		if s.ledger != nil && z.RunKey != "" {
			rec, ok, err := s.ledger.Get(ctx, z.RunKey)
			if err != nil {
				return nil, fmt.Errorf("promo preview: ledger %s: %w", z.RunKey, err)
			}
			if ok && rec.State == ledger.StateDone {
				z.RunState, z.NoRun = rec.State, noRunRecorded
			}
		}
		if z.NoRun == "" && complete && z.Due != nil && z.WouldSend == 0 {
			z.NoRun = noRunCapped
		}
		sent, capped = sent+z.WouldSend, capped+z.Capped
		p.Schedule.Zones = append(p.Schedule.Zones, z)
	}
	if p.FrequencyCap != nil {
		p.FrequencyCap.Checked = s.caps != nil
	}
	p.Reach.WouldSend, p.Reach.Capped = sent, capped
	return left, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
