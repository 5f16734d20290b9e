package chatinc

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// WhatsApp template limits on buttons.
const (
	MaxButtons      = 10
	MaxURLButtons   = 2
	MaxPhoneButtons = 1
)

// Button types.
const (
	ButtonJourney = "journey"
	ButtonInput   = "input"
	ButtonURL     = "url"
	ButtonPhone   = "phone"
)

// ValidateButtons checks the page's rules: phone and url buttons only with
// each other, never with input or journey buttons; non-empty text; url is
// http(s); phone is E.164; at most 10 buttons, 2 url and 1 phone.
func ValidateButtons(bs []Button) error {
	if len(bs) > MaxButtons {
		return invalid("buttons", "at most %d buttons; got %d", MaxButtons, len(bs))
	}
	var nURL, nPhone, nOther int
	for i, b := range bs {
		field := fmt.Sprintf("buttons[%d]", i)
		if strings.TrimSpace(b.Text) == "" {
			return invalid(field+".text", "is required")
		}
		switch b.Type {
		case ButtonJourney:
			nOther++
			if b.JourneyID == "" {
				return invalid(field+".journeyId", "is required for a journey button")
			}
		case ButtonInput:
			nOther++
		case ButtonURL:
			nURL++
			u, err := url.Parse(b.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return invalid(field+".url", "%q must be an http or https URL", b.URL)
			}
		case ButtonPhone:
			nPhone++
			if !isE164(b.PhoneNumber) {
				return invalid(field+".phoneNumber", "%q must be an E.164 number like +27821234567", b.PhoneNumber)
			}
		default:
			return invalid(field+".type", "%q must be journey, input, url or phone", b.Type)
		}
	}
	if (nURL > 0 || nPhone > 0) && nOther > 0 {
		return invalid("buttons", "phone and url buttons can only be used together with each other, never with input or journey buttons")
	}
	if nURL > MaxURLButtons {
		return invalid("buttons", "at most %d url buttons; got %d", MaxURLButtons, nURL)
	}
	if nPhone > MaxPhoneButtons {
		return invalid("buttons", "at most %d phone button; got %d", MaxPhoneButtons, nPhone)
	}
	return nil
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// isE164 reports whether n is a valid E.164 number (+ then 8 to 15 digits,
// and a real number plan according to libphonenumber).
func isE164(n string) bool {
	if !e164.MatchString(n) {
		return false
	}
	p, err := phonenumbers.Parse(n, "")
	return err == nil && phonenumbers.IsPossibleNumber(p)
}

// Placeholder is one {group.field} variable in a message.
type Placeholder struct {
	Group, Field string
}

var (
	placeholderRE = regexp.MustCompile(`\{([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\}`)
	nearMissRE    = regexp.MustCompile(`\{([^{}.]*)\.([^{}]*)\}`)
)

// Placeholders returns the {group.field} placeholders of msg in order.
// Braces that are not a placeholder (such as "{}") are plain text.
func Placeholders(msg string) []Placeholder {
	var out []Placeholder
	for _, m := range placeholderRE.FindAllStringSubmatch(msg, -1) {
		out = append(out, Placeholder{Group: m[1], Field: m[2]})
	}
	return out
}

// ValidateMessage checks that msg is not empty and that anything shaped like
// {group.field} is a well-formed placeholder.
func ValidateMessage(msg string) error {
	if strings.TrimSpace(msg) == "" {
		return invalid("message", "is required")
	}
	for _, m := range nearMissRE.FindAllStringSubmatch(msg, -1) {
		if !placeholderRE.MatchString(m[0]) && strings.TrimSpace(m[1]) != "" {
			return invalid("message", "%s looks like a variable but group and field may only hold letters, digits, _ and -", m[0])
		}
	}
	return nil
}

// Validate checks a create-campaign request before it is sent; now is the
// current time for the timeToRun check.
func (r *CreateCampaignRequest) Validate(now time.Time) error {
	if strings.TrimSpace(r.Title) == "" {
		return invalid("title", "is required")
	}
	if err := ValidateMessage(r.Message); err != nil {
		return err
	}
	if err := ValidateButtons(r.Buttons); err != nil {
		return err
	}
	if t := r.Options.TimeToRun; !t.IsZero() && t.Before(now) {
		return invalid("options.timeToRun", "%s is in the past", t.UTC().Format(time.RFC3339))
	}
	if r.Options.RunImmediately || !r.Options.TimeToRun.IsZero() {
		if err := validateAudiences("options.audiences", r.Options.Audiences); err != nil {
			return err
		}
	}
	if tt := r.Options.WhatsAppTemplateType; tt != "" && tt != "MARKETING" {
		return invalid("options.whatsAppTemplateType", "%q is not available; available: MARKETING", tt)
	}
	return nil
}

// Validate checks a run request; now is the current time.
func (r *RunCampaignRequest) Validate(now time.Time) error {
	if r.CampaignID == "" {
		return invalid("campaignId", "is required")
	}
	if err := validateAudiences("audiences", r.Audiences); err != nil {
		return err
	}
	if !r.TimeToRun.IsZero() && r.TimeToRun.Before(now) {
		return invalid("timeToRun", "%s is in the past", r.TimeToRun.UTC().Format(time.RFC3339))
	}
	return nil
}

func validateAudiences(field string, ids []string) error {
	if len(ids) == 0 {
		return invalid(field, "at least one audience id is required (use \"all\" for every contact)")
	}
	for i, id := range ids {
		if strings.TrimSpace(id) == "" {
			return invalid(fmt.Sprintf("%s[%d]", field, i), "is empty")
		}
	}
	return nil
}
