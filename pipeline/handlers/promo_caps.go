package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline/caps"
	"github.com/campaignflow/campaignflow/pipeline/e164"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/ids"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
	"github.com/campaignflow/campaignflow/sinks"
)

// SendReportPublisher publishes send_report.v1 records (on
// chatinc.results.send.<promoId>); the sinks package implements it.
type SendReportPublisher interface {
	PublishSendReport(ctx context.Context, r sinks.SendReport) error
}

// DerivedAudiencePrefix starts the id of every audience campaignflow
// derives for a run (the run's ledger key follows). Audiences with it are
// not read again when a promo names "all".
const DerivedAudiencePrefix = "cfsend."

// DerivedAudienceID is the Chat Inc audience a run keyed runKey is sent to
// when contacts are left out of it: the run's stem (DerivedAudienceStem)
// and '#' and a digest of the numbers it sends to. Chat Inc has no call
// that removes contacts from an audience, so a retry that decides on other
// contacts (another run took some meanwhile) must send to another
// audience, or it would reach those it now leaves out; a retry that
// decides the same sends to the same one. The ledger reconciles a run by
// its stem (ledger.SameAudiences), whatever the digest.
func DerivedAudienceID(runKey string, send []string) string {
	sorted := slices.Clone(send)
	slices.Sort(sorted)
	sum := sha256.Sum256([]byte(strings.Join(sorted, ",")))
	return DerivedAudienceStem(runKey) + ledger.AudienceDigestSep + hex.EncodeToString(sum[:4])
}

// DerivedAudienceStem is the part of a run's derived audience ids that
// names the run: the prefix and the key, or a hash of the key when that
// would leave no room for the digest in an id.
func DerivedAudienceStem(runKey string) string {
	if id := DerivedAudiencePrefix + runKey; len(id)+9 <= ids.MaxLen {
		return id
	}
	sum := sha256.Sum256([]byte(runKey))
	return DerivedAudiencePrefix + "h." + hex.EncodeToString(sum[:16])
}

// capPlan is a derived run: whom it sends to, and its report; res holds
// its capped sends (a promo with a frequency_cap).
type capPlan struct {
	send   []string
	report sinks.SendReport
	res    *caps.Reservation
}

// end is what must follow a derived run's attempt, made or not (its caps
// lease ends); never nil.
type end func(context.Context)

func noEnd(context.Context) {}

// cappedRun prepares the run keyed key of a promo with a frequency cap,
// sending at runAt (zero: now), to the contacts of its audiences: see
// derivedRun. A promo without a cap runs to its audiences as they are.
func (h *PromoHandler) cappedRun(ctx context.Context, ev *events.SendPromo, key, campaignID string, runAt time.Time) (audiences []string, then afterRun, done end, skip bool, err error) {
	if ev.FrequencyCap == nil {
		return ev.Audiences, nil, noEnd, false, nil
	}
	return h.derivedRun(ctx, ev, key, campaignID, runAt, "", h.audienceNumbers)
}

// derivedOpts are the ledger options of a run to audiences: a run to a
// derived audience (then != nil) is reconciled by its audience too.
func derivedOpts(then afterRun) []ledger.RunOption {
	if then == nil {
		return nil
	}
	return []ledger.RunOption{ledger.MatchAudiences()}
}

// derivedRun prepares a run keyed key that sends at runAt (zero: now) to
// the numbers numbers reads (the promo's audiences' contacts, or those of
// one zone of a local-time promo): the numbers less those capped (a
// promo with a frequency_cap) and invalid ones go into a derived audience,
// and one send per contact is recorded under the run's key before the run
// under the caps lock (caps.Reserve: one capped run at a time decides,
// across replicas), before the run; they count for other runs once the
// run is made, and while this attempt is at it (so a retry, or a worker
// dying after the run, never counts a contact twice or not at all, and a
// run that never happens uses up no one's cap). It returns the audiences to
// run, what must follow the run (its send report) and what must follow the
// attempt, made or not (done, always called); skip when nobody is left to
// send to (the report is then published here). A run the ledger has done
// runs as it is (the ledger answers).
func (h *PromoHandler) derivedRun(ctx context.Context, ev *events.SendPromo, key, campaignID string, runAt time.Time, zone string,
	numbers func(context.Context, *events.SendPromo) ([]string, error)) (audiences []string, then afterRun, done end, skip bool, err error) {
	if h.sendReports == nil || (ev.FrequencyCap != nil && h.caps == nil) {
		return nil, nil, noEnd, false, permanent(errors.New("handlers: send-promo: frequency_cap and local_time need the caps bucket and a send report publisher (WithCaps, WithSendReports)"))
	}
	rec, ok, err := h.ledger.Get(ctx, key)
	if err != nil {
		return nil, nil, noEnd, false, classify(fmt.Errorf("handlers: send-promo: read ledger %s: %w", key, err))
	} else if ok && rec.State == ledger.StateDone {
		return ev.Audiences, nil, noEnd, false, nil // ran: the ledger answers
	}
	if runAt.IsZero() {
		runAt = h.clock.Now()
	}
	all, err := numbers(ctx, ev)
	if err != nil {
		return nil, nil, noEnd, false, err
	}
	plan, err := h.planDerived(ctx, ev, key, campaignID, runAt, zone, all, ok && rec.State == ledger.StatePending)
	if err != nil {
		return nil, nil, noEnd, false, err
	}
	done = noEnd
	if plan.res != nil {
		done = plan.res.End
	}
	rep := plan.report
	if len(plan.send) == 0 {
		done(ctx)
		rep.FinishedAt = h.clock.Now().UTC()
		if err := h.sendReports.PublishSendReport(ctx, rep); err != nil {
			return nil, nil, noEnd, false, classify(fmt.Errorf("handlers: send-promo: publish send report of %s: %w", key, err))
		}
		h.log.InfoContext(ctx, "handlers: promo run not started: no contact is left to send to (capped, or an invalid number)",
			"promo_id", ev.PromoID, "key", key, "contacts", rep.ContactsTotal, "capped", rep.Capped, "invalid_number", rep.InvalidNumber)
		return nil, nil, noEnd, true, nil
	}
	then = func(ctx context.Context, ran RunInfo) error {
		if plan.res != nil {
			if err := plan.res.Made(ctx); err != nil {
				return fmt.Errorf("handlers: send-promo: frequency cap of promo %s: %w", ev.PromoID, err)
			}
		}
		r := rep
		r.RunID, r.RunAt, r.FinishedAt = ran.RunID, ran.At, h.clock.Now().UTC()
		if err := h.sendReports.PublishSendReport(ctx, r); err != nil {
			return fmt.Errorf("handlers: send-promo: publish send report of %s: %w", key, err)
		}
		h.log.InfoContext(ctx, "handlers: promo run to a derived audience", "promo_id", ev.PromoID, "run_id", ran.RunID, "zone", r.TimeZone,
			"audience", r.DerivedAudience, "sent", r.ContactsSent, "capped", r.Capped, "invalid_number", r.InvalidNumber)
		return nil
	}
	return []string{plan.report.DerivedAudience}, then, done, false, nil
}

// planDerived leaves out invalid numbers, reserves the capped sends (a
// promo with a cap; made: the ledger knows the run was made) and makes the
// derived audience.
func (h *PromoHandler) planDerived(ctx context.Context, ev *events.SendPromo, key, campaignID string, runAt time.Time, zone string,
	numbers []string, made bool) (plan capPlan, err error) {
	c := ev.FrequencyCap
	plan.report = sinks.SendReport{Schema: sinks.SchemaSendReport, PromoID: ev.PromoID, RunKey: key, CampaignID: campaignID,
		RunAt: runAt.UTC(), TimeZone: zone, Audiences: ev.Audiences, ContactsTotal: int64(len(numbers))}
	var valid e164.Mapper
	for _, n := range numbers {
		if !isE164(valid, n) {
			plan.report.InvalidNumber++
			continue
		}
		plan.send = append(plan.send, n)
	}
	if c != nil {
		plan.report.CapMax, plan.report.CapPer = c.Max, c.Per
		if len(plan.send) > 0 {
			res, err := h.caps.Reserve(ctx, caps.Request{RunKey: key, PromoID: ev.PromoID, Numbers: plan.send, At: runAt, Max: c.Max,
				Per: c.PerDuration(), Made: made})
			if err != nil {
				return capPlan{}, classify(fmt.Errorf("handlers: send-promo: frequency cap of promo %s: %w", ev.PromoID, err))
			}
			plan.res, plan.send = res, res.Send
			plan.report.Capped = int64(len(res.Capped))
			defer func() {
				if err != nil {
					res.End(ctx)
				}
			}()
		}
	}
	plan.report.ContactsSent = int64(len(plan.send))
	if len(plan.send) == 0 {
		return plan, nil
	}
	derived := DerivedAudienceID(key, plan.send)
	plan.report.DerivedAudience = derived
	contacts := make([]chatinc.Contact, len(plan.send))
	for i, n := range plan.send {
		contacts[i] = chatinc.Contact{Number: n}
	}
	desc := fmt.Sprintf("promo %s: contacts of %s", ev.PromoID, strings.Join(ev.Audiences, ", "))
	if zone != "" {
		desc += " in " + zone
	}
	if c != nil {
		desc += fmt.Sprintf(" within its frequency cap (%d per %s)", c.Max, c.Per)
	}
	if _, err := h.client.CreateAudience(ctx, chatinc.Audience{ID: derived, Name: "campaignflow " + key, Description: desc, Contacts: contacts}); err != nil {
		return capPlan{}, classify(fmt.Errorf("handlers: send-promo: create audience %s for promo %s: %w", derived, ev.PromoID, err))
	}
	return plan, nil
}

// isE164 reports whether n is a valid number as written in E.164.
func isE164(m e164.Mapper, n string) bool {
	out, err := m.E164(n)
	return err == nil && out == n
}

// audienceNumbers reads the numbers of a promo's audiences from Chat Inc,
// each once ("all": every audience but those campaignflow derived).
func (h *PromoHandler) audienceNumbers(ctx context.Context, ev *events.SendPromo) ([]string, error) {
	want := ev.Audiences
	for _, a := range ev.Audiences {
		if a != allAudiences {
			continue
		}
		have, err := h.client.RetrieveAudiences(ctx)
		if err != nil {
			return nil, classify(fmt.Errorf("handlers: send-promo: promo %s: list audiences: %w", ev.PromoID, err))
		}
		want = want[:0:0]
		for _, info := range have {
			if !strings.HasPrefix(info.ID, DerivedAudiencePrefix) {
				want = append(want, info.ID)
			}
		}
		break
	}
	seen := map[string]struct{}{}
	var out []string
	for _, a := range want {
		for ct, err := range h.client.AudienceContacts(ctx, a) {
			if err != nil {
				return nil, classify(fmt.Errorf("handlers: send-promo: promo %s: read audience %s: %w", ev.PromoID, a, err))
			}
			if _, ok := seen[ct.Number]; !ok {
				seen[ct.Number] = struct{}{}
				out = append(out, ct.Number)
			}
		}
	}
	return out, nil
}

// counter is what the send-promo handler needs of the caps bucket.
type counter interface {
	Recent(ctx context.Context, since, until time.Time, exceptRun string) (caps.Counts, error)
	Reserve(ctx context.Context, req caps.Request) (*caps.Reservation, error)
}
