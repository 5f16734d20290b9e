package main

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/caps"
	"github.com/campaignflow/campaignflow/pipeline/cronspec"
	"github.com/campaignflow/campaignflow/pipeline/e164"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/handlers"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
)

// promoPreview is what `campaignflow promo preview` finds out about a
// send-promo: its problems, the campaign the worker would create, the
// placeholders and audiences as Chat Inc has them, the reach and a sample
// of contacts with their message. The JSON names are the --json contract
// (README, "Previewing a promo").
type promoPreview struct {
	Valid     bool              `json:"valid"`
	Problems  []previewProblem  `json:"problems"`
	ChatInc   string            `json:"chatinc"`
	EventID   string            `json:"event_id,omitempty"`
	PromoID   string            `json:"promo_id,omitempty"`
	Campaign  *previewCampaign  `json:"campaign,omitempty"`
	Schedule  *previewSchedule  `json:"schedule,omitempty"`
	Variables []previewVariable `json:"variables"`
	Reach     *previewReach     `json:"reach,omitempty"`
	Sample    []previewContact  `json:"sample"`
	Ledger    *previewLedger    `json:"ledger,omitempty"` // with --nats-url only
	// FrequencyCap is the promo's cap and whether its counters were read
	// (with --nats-url): reach.capped counts the contacts it leaves out.
	FrequencyCap *previewCap `json:"frequency_cap,omitempty"`
	// NoRun says why the worker makes no run although it takes the promo:
	// "capped" (a capped run, or every zone run of a local-time promo, has
	// nobody left: every contact capped or an invalid number), "recorded"
	// (the ledger has the run already). Absent when it runs.
	NoRun string `json:"no_run,omitempty"`
}

// previewCap is a promo's frequency cap as the preview applied it.
type previewCap struct {
	Max     int    `json:"max"`
	Per     string `json:"per"`
	Checked bool   `json:"checked"` // the counters were read (--nats-url); else capped is 0
	RunKey  string `json:"run_key,omitempty"`
}

// previewProblem is one reason the promo would fail, at the JSON pointer of
// the field at fault ("/" for the whole event).
type previewProblem struct {
	Field   string `json:"field"`
	Problem string `json:"problem"`
}

// previewCampaign is the campaign (a WhatsApp template) the worker creates.
type previewCampaign struct {
	Title        string          `json:"title"`
	Message      string          `json:"message"`
	ImageURL     string          `json:"image_url,omitempty"`
	Buttons      []events.Button `json:"buttons"` // as a send-promo writes them
	LanguageCode string          `json:"language_code"`
	TemplateType string          `json:"template_type"`
}

// previewSchedule says when the promo runs: now, at a time, on a cron, or
// at local_time in each recipient's zone (Zones: one run per zone).
type previewSchedule struct {
	Kind     string     `json:"kind"` // now, at, cron, local_time
	At       *time.Time `json:"at,omitempty"`
	Past     bool       `json:"past,omitempty"` // at is past: the run starts at once
	Cron     string     `json:"cron,omitempty"`
	TimeZone string     `json:"time_zone,omitempty"`
	Until    *time.Time `json:"until,omitempty"`
	CatchUp  string     `json:"catch_up,omitempty"`
	Next     *time.Time `json:"next,omitempty"` // the cron's next tick
	// Start is when the (next) run starts: the time due, or the end of the
	// quiet hours (QuietHours, read in QuietZone) when it falls inside them.
	Start      *time.Time `json:"start,omitempty"`
	Quiet      bool       `json:"in_quiet_hours"`
	QuietHours string     `json:"quiet_hours,omitempty"`
	QuietZone  string     `json:"quiet_zone,omitempty"`
	// LocalTime on Date (or on the days of Cron) in each recipient's zone;
	// Zones are the runs, one per zone of the contacts read.
	LocalTime string        `json:"local_time,omitempty"`
	Date      string        `json:"date,omitempty"`
	Zones     []previewZone `json:"zones,omitempty"`
}

// previewVariable is one {group.field} placeholder of the message.
type previewVariable struct {
	Placeholder string `json:"placeholder"`
	Group       string `json:"group"`
	Field       string `json:"field"`
	Found       bool   `json:"found"`  // Chat Inc has the group (by id or name) and its field
	Values      int    `json:"values"` // numbers the group holds values for
	// WithoutValueAtLeast is how many contacts to send to have no value at
	// least (would_send less values): Chat Inc's API does not tell which.
	WithoutValueAtLeast int `json:"without_value_at_least"`
}

// previewReach counts the contacts of the promo's audiences: each number
// is sent to once, however many audiences hold it; invalid numbers fail.
type previewReach struct {
	Audiences      []previewAudience `json:"audiences"`
	Listed         int               `json:"listed"`   // the audiences' sizes as Chat Inc lists them, added up
	Read           int               `json:"read"`     // contacts read (at most --max-contacts)
	Complete       bool              `json:"complete"` // every contact was read: the counts are exact
	WouldSend      int               `json:"would_send"`
	Duplicates     int               `json:"duplicates"`
	InvalidNumbers int               `json:"invalid_numbers"`
	Capped         int               `json:"capped"` // left out by the frequency cap (read with --nats-url)
	Invalid        []previewInvalid  `json:"invalid_examples"`
}

type previewAudience struct {
	ID       string `json:"id"`
	Name     string `json:"name,omitempty"`
	Found    bool   `json:"found"`
	Contacts int    `json:"contacts"`
}

// previewInvalid is a number left out as invalid (masked).
type previewInvalid struct {
	Number   string `json:"number"`
	Audience string `json:"audience"`
	Reason   string `json:"reason"`
}

// previewContact is one sample contact (masked) and its message.
type previewContact struct {
	Number   string `json:"number"`
	Audience string `json:"audience"`
	Message  string `json:"message"`
	raw      string // the number as read
}

// previewInvalidExamples is how many invalid numbers a preview lists.
const previewInvalidExamples = 5

// previewSettings are the preview's bounds.
type previewSettings struct {
	sample      int // sample contacts to render
	maxContacts int // contacts to read at most
	// handler are the send-promo handler's options the worker would use
	// (quiet hours, default time zone).
	handler []handlers.Option
	// ledger and caps, when set, are the worker's ledger and frequency-cap
	// counters (read only), at natsURL.
	ledger  ledgerReader
	caps    capsReader
	natsURL string
}

// capsReader reads the frequency-cap counters (*caps.Counter).
type capsReader interface {
	Recent(ctx context.Context, since, until time.Time, exceptRun string) (caps.Counts, error)
}

// buildPromoPreview checks body as the worker would and, when it is a
// valid send-promo, looks its references and audiences up through c (which
// must be read-only: the preview changes nothing). now is the time a
// schedule is read against.
func buildPromoPreview(ctx context.Context, c *chatinc.Client, body []byte, s previewSettings, now time.Time) (*promoPreview, error) {
	p := &promoPreview{ChatInc: shownURLs(c.BaseURL()), Variables: []previewVariable{}, Sample: []previewContact{}, Problems: []previewProblem{}}
	body = bytes.TrimSpace(body)
	for _, line := range eventPointerProblems(events.TypeSendPromo, body) {
		p.Problems = append(p.Problems, splitProblem(line))
	}
	if len(p.Problems) > 0 {
		return p, nil // the worker dead-letters it: nothing to look up
	}
	env, err := pipeline.ParseEnvelope(body)
	if err != nil {
		return nil, fmt.Errorf("promo preview: %w", err) // checked above
	}
	v, err := events.Parse(events.TypeSendPromo, env.Data)
	if err != nil {
		return nil, fmt.Errorf("promo preview: %w", err) // checked above
	}
	ev := v.(*events.SendPromo)
	p.EventID, _ = env.BodyID()
	p.PromoID = ev.PromoID
	p.Campaign = previewCampaignOf(handlers.CampaignRequest(ev))
	p.Schedule = previewScheduleOf(ctx, ev, now, s.handler)

	var groups []chatinc.VariableGroupInfo
	vars := chatinc.Placeholders(ev.Message)
	if len(vars) > 0 {
		if groups, err = c.RetrieveVariableGroups(ctx); err != nil {
			return nil, fmt.Errorf("promo preview: variable groups: %w", err)
		}
	}
	auds, err := c.RetrieveAudiences(ctx)
	if err != nil {
		return nil, fmt.Errorf("promo preview: audiences: %w", err)
	}
	base := cloudEventBase(body)
	for _, r := range refProblems(ev, groups, auds) {
		for _, line := range pointerProblems(base, r) {
			p.Problems = append(p.Problems, splitProblem(line))
		}
	}
	p.Variables = previewVariables(vars, groups)
	counts, err := previewCapCounts(ctx, ev, p, s)
	if err != nil {
		return nil, err
	}
	reach, sample, numbers, err := previewAudiences(ctx, c, ev, auds, counts, s)
	if err != nil {
		return nil, err
	}
	p.Reach = reach
	if ev.Schedule.IsLocal() {
		left, err := previewLocalRuns(ctx, ev, p, numbers, reach.Complete, s, now)
		if err != nil {
			return nil, err
		}
		sample = slices.DeleteFunc(sample, func(ct previewContact) bool { return left[ct.raw] })
	}
	for i := range p.Variables {
		p.Variables[i].WithoutValueAtLeast = max(0, reach.WouldSend-p.Variables[i].Values)
	}
	message := p.Campaign.Message
	if s.ledger != nil {
		due, hasRun := runDue(ev, p.Schedule)
		hasRun = hasRun && !ev.IsCron() // a cron promo is stored; its ticks run later
		if err := lookUpLedger(ctx, s.ledger, c, p, s.natsURL, due, hasRun); err != nil {
			return nil, err
		}
		if p.Ledger.InChatInc {
			message = p.Ledger.Message // the promo's campaign exists: it is what is sent
		}
	}
	p.NoRun = previewNoRun(ev, p)
	for _, ct := range sample {
		// Chat Inc fills each placeholder from the contact's values; its API
		// gives no values back, so they show as written.
		ct.Message = chatinc.RenderMessage(message, nil)
		p.Sample = append(p.Sample, ct)
	}
	p.Valid = len(p.Problems) == 0
	return p, nil
}

// previewCapCounts notes a capped promo's cap in p and, with the caps
// bucket, reads its counters for the (next) run as the handler would (nil:
// not read, or no cap).
func previewCapCounts(ctx context.Context, ev *events.SendPromo, p *promoPreview, s previewSettings) (caps.Counts, error) {
	fc := ev.FrequencyCap
	if fc == nil {
		return nil, nil
	}
	p.FrequencyCap = &previewCap{Max: fc.Max, Per: fc.Per}
	if ev.Schedule.IsLocal() {
		return nil, nil // read per zone run (previewLocalRuns)
	}
	due, ok := runDue(ev, p.Schedule)
	if !ok || s.caps == nil || p.Schedule.Start == nil {
		return nil, nil
	}
	key, runAt := ledger.RunKey(ev.PromoID, due), *p.Schedule.Start
	if ev.IsCron() {
		// As RunPromo: a tick moved out of quiet hours is keyed by the
		// window's end; its run is TickRunLead after the tick at the earliest.
		if runAt.After(due.Add(handlers.TickRunLead)) {
			key = ledger.RunKey(ev.PromoID, runAt)
		} else {
			runAt = due.Add(handlers.TickRunLead)
		}
	}
	counts, err := handlers.CapCounts(ctx, s.caps, fc, key, runAt)
	if counts == nil && err != nil {
		return nil, fmt.Errorf("promo preview: frequency-cap counters: %w", err)
	} // else an unreadable counter is not counted, as by the handler
	p.FrequencyCap.Checked, p.FrequencyCap.RunKey = true, key
	return counts, nil
}

// splitProblem parses "/pointer: problem" (eventPointerProblems' lines).
func splitProblem(line string) previewProblem {
	ptr, msg, ok := strings.Cut(line, ": ")
	if !ok || !strings.HasPrefix(ptr, "/") {
		return previewProblem{Field: "/", Problem: line}
	}
	return previewProblem{Field: ptr, Problem: msg}
}

func previewCampaignOf(req chatinc.CreateCampaignRequest) *previewCampaign {
	pc := &previewCampaign{Title: req.Title, Message: req.Message, ImageURL: req.ImgURL, Buttons: []events.Button{},
		LanguageCode: req.Options.LanguageCode, TemplateType: req.Options.WhatsAppTemplateType}
	for _, b := range req.Buttons {
		pc.Buttons = append(pc.Buttons, events.Button{Text: b.Text, Type: b.Type, URL: b.URL, PhoneNumber: b.PhoneNumber,
			JourneyID: b.JourneyID, Input: b.Input})
	}
	return pc
}

// runDue is the time the promo's (next) run is due, which keys it in the
// ledger: zero for now, schedule.at, or the cron's next tick (ok false
// when there is none ahead).
func runDue(ev *events.SendPromo, ps *previewSchedule) (time.Time, bool) {
	switch {
	case ev.Schedule == nil:
		return time.Time{}, true
	case ev.Schedule.IsLocal():
		return time.Time{}, false // a run per zone (previewLocalRuns)
	case ev.IsCron():
		if ps == nil || ps.Next == nil {
			return time.Time{}, false
		}
		return *ps.Next, true
	}
	return ev.Schedule.AtTime(), true
}

// previewScheduleOf says when the promo's (next) run is due and when the
// handler would start it (handlers.PromoStart: quiet hours applied).
func previewScheduleOf(ctx context.Context, ev *events.SendPromo, now time.Time, opts []handlers.Option) *previewSchedule {
	ps := &previewSchedule{Kind: "now"}
	var due time.Time
	switch s := ev.Schedule; {
	case s == nil:
	case s.IsLocal():
		ps = &previewSchedule{Kind: "local_time", LocalTime: s.LocalTime, Date: s.Date, Cron: s.Cron, CatchUp: s.CatchUp}
		if u := s.UntilTime(); !u.IsZero() {
			ps.Until = &u
		}
		return ps // each zone's start: previewLocalRuns
	case s.Cron != "":
		ps = &previewSchedule{Kind: "cron", Cron: s.Cron, TimeZone: s.TimeZone, CatchUp: s.CatchUp}
		if u := s.UntilTime(); !u.IsZero() {
			ps.Until = &u
		}
		spec, err := cronspec.Parse(s.Cron, s.TimeZone, now)
		if err != nil {
			return ps // validated before: not reached
		}
		next := spec.Next(now)
		if next.IsZero() || (ps.Until != nil && next.After(*ps.Until)) {
			return ps
		}
		ps.Next, due = &next, next
	default:
		at := s.AtTime()
		ps = &previewSchedule{Kind: "at", At: &at, Past: !at.After(now)}
		due = at
	}
	opts = append(slices.Clone(opts), handlers.WithClock(clockwork.NewFakeClockAt(now)))
	start, quiet, zone := handlers.PromoStart(ctx, ev, due, opts...)
	if !quiet.IsZero() {
		ps.QuietHours, ps.QuietZone = quiet.String(), zone.String()
	}
	if !start.Equal(due) {
		ps.Quiet = true
	}
	if start.IsZero() || (ps.Past && !ps.Quiet) {
		start = now
	}
	ps.Start = &start
	return ps
}

// previewVariables describes each distinct placeholder as Chat Inc has it
// (a group is found by id or by name, as Chat Inc looks it up).
func previewVariables(vars []chatinc.Placeholder, groups []chatinc.VariableGroupInfo) []previewVariable {
	out := []previewVariable{}
	seen := map[chatinc.Placeholder]bool{}
	for _, v := range vars {
		if seen[v] {
			continue
		}
		seen[v] = true
		pv := previewVariable{Placeholder: "{" + v.Group + "." + v.Field + "}", Group: v.Group, Field: v.Field}
		i := slices.IndexFunc(groups, func(g chatinc.VariableGroupInfo) bool { return g.ID == v.Group })
		if i < 0 {
			i = slices.IndexFunc(groups, func(g chatinc.VariableGroupInfo) bool { return g.Name == v.Group })
		}
		if i >= 0 {
			pv.Found, pv.Values = slices.Contains(groups[i].Fields, v.Field), groups[i].Size
		}
		out = append(out, pv)
	}
	return out
}

// previewAudiences reads the contacts of the promo's audiences ("all":
// every audience) in the order Chat Inc unites them, at most
// s.maxContacts, and counts who would be sent to; the first s.sample of
// those are the sample.
func previewAudiences(ctx context.Context, c *chatinc.Client, ev *events.SendPromo, auds []chatinc.AudienceInfo,
	counts caps.Counts, s previewSettings) (*previewReach, []previewContact, []string, error) {
	r := &previewReach{Audiences: []previewAudience{}, Invalid: []previewInvalid{}, Complete: true}
	byID := make(map[string]int, len(auds)) // index in auds (a promo may name many audiences)
	all := 0
	for i, a := range auds {
		if _, dup := byID[a.ID]; !dup {
			byID[a.ID] = i
		}
		if !strings.HasPrefix(a.ID, handlers.DerivedAudiencePrefix) {
			all += a.Size
		}
	}
	var read []chatinc.AudienceInfo // the audiences to read, each once, in the order Chat Inc unites them
	reading := map[string]bool{}
	add := func(a chatinc.AudienceInfo) {
		if !reading[a.ID] {
			reading[a.ID] = true
			read = append(read, a)
			r.Listed += a.Size
		}
	}
	for _, id := range ev.Audiences {
		if id == "all" {
			for _, a := range auds {
				if !strings.HasPrefix(a.ID, handlers.DerivedAudiencePrefix) { // subsets of the others
					add(a)
				}
			}
			r.Audiences = append(r.Audiences, previewAudience{ID: id, Name: "every contact", Found: true, Contacts: all})
			continue
		}
		i, ok := byID[id]
		if !ok {
			r.Audiences = append(r.Audiences, previewAudience{ID: id})
			continue
		}
		add(auds[i])
		r.Audiences = append(r.Audiences, previewAudience{ID: id, Name: auds[i].Name, Found: true, Contacts: auds[i].Size})
	}
	var sample []previewContact
	seen := map[string]struct{}{}
	var mapper e164.Mapper
	capRule := ev.FrequencyCap
	derived := capRule != nil || ev.Schedule.IsLocal()
	var numbers []string // each number read, once
	for _, a := range read {
		if r.Read >= s.maxContacts && a.Size > 0 {
			r.Complete = false
			break
		}
		for ct, err := range c.AudienceContacts(ctx, a.ID) {
			if err != nil {
				return nil, nil, nil, fmt.Errorf("promo preview: contacts of audience %q: %w", a.ID, err)
			}
			if r.Read >= s.maxContacts {
				r.Complete = false
				break
			}
			r.Read++
			n := ct.Number
			if _, dup := seen[n]; dup { // each number once, as Chat Inc (and a capped run) sends
				r.Duplicates++
				continue
			}
			seen[n] = struct{}{}
			numbers = append(numbers, n)
			// A run to a derived audience (a capped run, a local-time
			// zone's run) leaves out numbers not written in E.164 (the
			// handler's CapVerdict); any other run sends to any valid number.
			reason := ""
			if out, err := mapper.E164(n); err != nil {
				reason = err.Error()
			} else if derived && out != n {
				reason = "not written in E.164 (like +27821234567): a run to a derived audience (capped, local-time) leaves it out"
			}
			switch {
			case reason != "":
				r.InvalidNumbers++
				if len(r.Invalid) < previewInvalidExamples {
					r.Invalid = append(r.Invalid, previewInvalid{Number: handlers.MaskValue(n), Audience: a.ID, Reason: reason})
				}
				continue
			case counts != nil && handlers.CapVerdict(n, counts, capRule) == handlers.LeftOutCapped:
				r.Capped++
				continue
			}
			r.WouldSend++
			if len(sample) < s.sample {
				sample = append(sample, previewContact{Number: handlers.MaskValue(n), Audience: a.ID, raw: n})
			}
		}
	}
	return r, sample, numbers, nil
}

// previewNoRun is why the worker makes no run of a valid promo (see
// promoPreview.NoRun): its run recorded already, or a derived run (capped,
// or every zone run of a local-time promo) with nobody left; "" when it
// runs, or when the contacts were not all read.
func previewNoRun(ev *events.SendPromo, p *promoPreview) string {
	switch {
	case len(p.Problems) > 0:
		return ""
	case p.Ledger != nil && p.Ledger.RunState != "":
		return noRunRecorded
	case ev.Schedule.IsLocal():
		why := noRunRecorded
		for _, z := range p.Schedule.Zones {
			switch z.NoRun {
			case "":
				return ""
			case noRunCapped:
				why = noRunCapped
			}
		}
		if len(p.Schedule.Zones) == 0 {
			return ""
		}
		return why
	case ev.FrequencyCap != nil && p.Reach != nil && p.Reach.Complete && p.Reach.WouldSend == 0:
		return noRunCapped
	}
	return ""
}
