package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/pipeline/events"
)

// printPromoPreview prints p for people: the campaign, its placeholders,
// audiences, reach and sample on out; the problems on errw.
func printPromoPreview(out, errw io.Writer, p *promoPreview, from string) {
	if p.Campaign != nil {
		fmt.Fprintf(out, "send-promo %s (%s) from %s; Chat Inc at %s, read only\n\n",
			shown(p.PromoID), eventIDText(p.EventID), shown(from), p.ChatInc)
		c := p.Campaign
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintf(w, "campaign:\t%s (%s template, language %s)\n", shown(c.Title), c.TemplateType, shown(c.LanguageCode))
		if c.ImageURL != "" {
			fmt.Fprintf(w, "image:\t%s\n", shown(c.ImageURL))
		}
		for i, b := range c.Buttons {
			label := "\t"
			if i == 0 {
				label = "buttons:\t"
			}
			fmt.Fprintf(w, "%s%s %q%s\n", label, shown(b.Type), shown(b.Text), buttonTarget(b))
		}
		fmt.Fprintf(w, "runs:\t%s\n", scheduleText(p.Schedule))
		fmt.Fprintf(w, "message:\t%s\n", strings.ReplaceAll(shown(c.Message), "\n", "\n\t"))
		_ = w.Flush()
	}
	if len(p.Variables) > 0 {
		fmt.Fprintln(out)
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "PLACEHOLDER\tIN CHAT INC\tNUMBERS WITH VALUES\tCONTACTS WITHOUT ONE (AT LEAST)")
		for _, v := range p.Variables {
			fmt.Fprintf(w, "%s\t%s\t%d\t%d\n", v.Placeholder, yesNo(v.Found), v.Values, v.WithoutValueAtLeast)
		}
		_ = w.Flush()
	}
	if r := p.Reach; r != nil {
		fmt.Fprintln(out)
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "AUDIENCE\tIN CHAT INC\tCONTACTS")
		for _, a := range r.Audiences {
			fmt.Fprintf(w, "%s\t%s\t%d\n", shownID(a.ID), yesNo(a.Found), a.Contacts)
		}
		_ = w.Flush()
		fmt.Fprintln(out)
		capped := ""
		if fc := p.FrequencyCap; fc != nil && fc.Checked {
			capped = fmt.Sprintf(", %d capped", r.Capped)
		}
		fmt.Fprintf(out, "reach: would send to %d of %d contacts read (left out: %d duplicate(s), %d invalid number(s)%s)\n",
			r.WouldSend, r.Read, r.Duplicates, r.InvalidNumbers, capped)
		switch fc := p.FrequencyCap; {
		case fc == nil:
		case fc.Checked && fc.RunKey == "":
			fmt.Fprintf(out, "       frequency cap %d per %s: the counters were read for each zone run\n", fc.Max, shown(fc.Per))
		case fc.Checked:
			fmt.Fprintf(out, "       frequency cap %d per %s: the counters were read (run %s)\n", fc.Max, shown(fc.Per), fc.RunKey)
		default:
			fmt.Fprintf(out, "       frequency cap %d per %s: counters not read; with --nats-url the contacts it leaves out are counted too\n", fc.Max, shown(fc.Per))
		}
		if !r.Complete {
			fmt.Fprintf(out, "       only %d of the %d contacts Chat Inc lists were read (--max-contacts): the counts are a lower bound\n", r.Read, r.Listed)
		}
		for _, x := range r.Invalid {
			fmt.Fprintf(out, "       invalid: %s in %s: %s\n", x.Number, shownID(x.Audience), shown(x.Reason))
		}
		if r.InvalidNumbers > len(r.Invalid) {
			fmt.Fprintf(out, "       and %d more invalid number(s)\n", r.InvalidNumbers-len(r.Invalid))
		}
	}
	printPreviewZones(out, p.Schedule)
	printPreviewLedger(out, p)
	if len(p.Sample) > 0 {
		fmt.Fprintf(out, "\nsample (%d of %d):\n", len(p.Sample), p.Reach.WouldSend)
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NUMBER\tAUDIENCE\tMESSAGE")
		for _, s := range p.Sample {
			fmt.Fprintf(w, "%s\t%s\t%s\n", s.Number, shownID(s.Audience), oneLine(shown(s.Message), 80))
		}
		_ = w.Flush()
	}
	if len(p.Problems) > 0 {
		fmt.Fprintf(errw, "promo preview: the send-promo has %d problem(s); the worker would not send it:\n", len(p.Problems))
		for _, pr := range p.Problems {
			fmt.Fprintf(errw, "  - %s: %s\n", shown(pr.Field), shown(pr.Problem))
		}
		return
	}
	n := "?"
	if p.Reach != nil {
		n = fmt.Sprint(p.Reach.WouldSend)
		if !p.Reach.Complete {
			n = "at least " + n
		}
	}
	what := "create this campaign"
	if p.Ledger != nil && p.Ledger.InChatInc {
		what = "reuse campaign " + p.Ledger.CampaignID
	}
	switch {
	case p.NoRun == noRunRecorded:
		fmt.Fprintf(out, "\nok: the worker would %s and send nothing: this run is in the ledger already; nothing was sent now\n", what)
	case p.NoRun == noRunCapped && p.FrequencyCap != nil:
		fmt.Fprintf(out, "\nok: the worker would %s and make no run: every contact is capped (%d) or has an invalid number (%d); "+
			"it publishes a send_report.v1 saying so; nothing was sent\n", what, p.Reach.Capped, p.Reach.InvalidNumbers)
	case p.NoRun == noRunCapped:
		fmt.Fprintf(out, "\nok: the worker would %s and make no run: no contact has a number written in E.164; nothing was sent\n", what)
	case p.Schedule != nil && p.Schedule.Kind == "local_time":
		runs := 0
		for _, z := range p.Schedule.Zones {
			if z.NoRun == "" && z.Due != nil {
				runs++
			}
		}
		fmt.Fprintf(out, "\nok: the worker would %s and make %d zone run(s) (to %s contact(s)); nothing was sent\n", what, runs, n)
	default:
		fmt.Fprintf(out, "\nok: the worker would %s and run it (to %s contact(s)); nothing was sent\n", what, n)
	}
}

func buttonTarget(b events.Button) string {
	switch {
	case b.URL != "":
		return " " + shown(b.URL)
	case b.PhoneNumber != "":
		return " " + shown(b.PhoneNumber)
	case b.JourneyID != "":
		return " journey " + shown(b.JourneyID)
	case b.Input != "":
		return fmt.Sprintf(" input %q", shown(b.Input))
	}
	return ""
}

func scheduleText(s *previewSchedule) string {
	var t string
	switch {
	case s == nil:
		return "now"
	case s.Kind == "now":
		t = "now"
	case s.Kind == "at" && s.Past:
		t = "now (schedule.at " + s.At.UTC().Format(time.RFC3339) + " is past)"
	case s.Kind == "at":
		t = "at " + s.At.UTC().Format(time.RFC3339)
	case s.Kind == "local_time":
		t = "at " + shown(s.LocalTime) + " in each recipient's zone"
		if s.Date != "" {
			t += " on " + shown(s.Date)
		} else {
			t += ", cron " + shown(s.Cron)
		}
		return t + fmt.Sprintf(": %d zone run(s), below", len(s.Zones))
	default:
		t = "cron " + shown(s.Cron)
		if s.TimeZone != "" {
			t += " in " + shown(s.TimeZone)
		}
		if s.Until != nil {
			t += ", until " + s.Until.UTC().Format(time.RFC3339)
		}
		if s.Next == nil {
			return t + "; no tick ahead"
		}
		t += "; next tick " + s.Next.UTC().Format(time.RFC3339)
	}
	if s.Quiet && s.Start != nil {
		t += fmt.Sprintf("; inside quiet hours %s (%s): starts %s", s.QuietHours, s.QuietZone, s.Start.UTC().Format(time.RFC3339))
	} else if s.QuietHours != "" {
		t += fmt.Sprintf(" (outside quiet hours %s, %s)", s.QuietHours, s.QuietZone)
	}
	return t
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "NO"
}

// shown is s fit for a terminal and a table: invalid UTF-8 replaced, and
// control characters other than newline (escape sequences, tabs, NUL)
// written as \xNN or \uNNNN.
func shown(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && unicode.IsControl(r) }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || !unicode.IsControl(r):
			b.WriteRune(r)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

func eventIDText(id string) string {
	if id == "" {
		return "no event_id: publish gives it one"
	}
	return "event " + shown(id)
}

// printPreviewLedger says what the worker's ledger holds for the promo.
func printPreviewLedger(out io.Writer, p *promoPreview) {
	l := p.Ledger
	if p.Campaign == nil {
		return
	}
	fmt.Fprintln(out)
	if l == nil {
		fmt.Fprintln(out, "ledger: not read; with --nats-url it tells whether this promo id has a campaign, or this run, already")
		return
	}
	switch {
	case l.CampaignID == "":
		fmt.Fprintf(out, "ledger: no campaign for promo %s yet (%s on %s): the worker creates it from this event\n", shown(p.PromoID), l.CampaignKey, l.NATS)
	case l.InChatInc:
		fmt.Fprintf(out, "ledger: promo %s has campaign %s already (%s on %s): the worker runs it as it is; this event's title, message, image and buttons are not used\n",
			shown(p.PromoID), shown(l.CampaignID), l.CampaignKey, l.NATS)
		if l.Message != p.Campaign.Message {
			fmt.Fprintf(out, "        its message: %s\n", strings.ReplaceAll(shown(l.Message), "\n", "\n                     "))
		}
	default:
		fmt.Fprintf(out, "ledger: promo %s names campaign %s (%s on %s), which Chat Inc does not have\n", shown(p.PromoID), shown(l.CampaignID), l.CampaignKey, l.NATS)
	}
	if l.RunState != "" {
		at := ""
		if l.RunAt != nil {
			at = " at " + l.RunAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(out, "        run %s is recorded (%s, run %s%s): the worker does not run it again\n", l.RunKey, l.RunState, orDash(shown(l.RunID)), at)
	}
}

// shownURLs is a URL, or a comma-separated list of them (NATS), with its
// secrets replaced by xxxxx.
func shownURLs(s string) string { return shown(config.RedactURLs(s)) }

// printPreviewZones lists a local-time promo's zone runs.
func printPreviewZones(out io.Writer, s *previewSchedule) {
	if s == nil || s.Kind != "local_time" {
		return
	}
	fmt.Fprintln(out)
	if len(s.Zones) == 0 {
		fmt.Fprintln(out, "zone runs: none (no contact read)")
		return
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ZONE\tDUE (UTC)\tSTARTS (UTC)\tRUN KEY\tCONTACTS\tWOULD SEND\tCAPPED\tINVALID\tNOTE")
	for _, z := range s.Zones {
		due, start, note := "-", "-", ""
		if z.Due != nil {
			due, start = z.Due.UTC().Format(time.RFC3339), z.Start.UTC().Format(time.RFC3339)
		} else {
			note = "no tick ahead"
		}
		switch {
		case z.NoRun == noRunRecorded:
			note = "recorded in the ledger: not run again"
		case z.NoRun == noRunCapped:
			note = "no run: every contact capped or invalid"
		case z.Quiet:
			note = "moved out of quiet hours " + s.QuietHours
		case z.Past:
			note = "due time past: runs at once"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", z.Zone, due, start, z.RunKey, z.Contacts, z.WouldSend, z.Capped, z.InvalidNumbers, note)
	}
	_ = w.Flush()
}
