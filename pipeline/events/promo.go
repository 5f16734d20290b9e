package events

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/pipeline/ids"
	"github.com/campaignflow/campaignflow/pipeline/quiethours"
)

// SendPromo is send-promo: create the promo's campaign once and run it now,
// at Schedule.At, or on each tick of Schedule.Cron.
type SendPromo struct {
	EventID      string    `json:"event_id,omitempty"`
	PromoID      string    `json:"promo_id"`
	Title        string    `json:"title"`
	Message      string    `json:"message"`
	ImageURL     string    `json:"image_url,omitempty"`
	Buttons      []Button  `json:"buttons,omitempty"`
	Audiences    []string  `json:"audiences"`
	LanguageCode string    `json:"language_code,omitempty"`
	Schedule     *Schedule `json:"schedule,omitempty"`
	// QuietHours ("21:00-08:00", see pipeline/quiethours) overrides the
	// configured promo.quiet_hours: a run that would start inside the
	// window starts at its end. "00:00-00:00" turns a default off; empty
	// keeps it.
	QuietHours string `json:"quiet_hours,omitempty"`
	// FrequencyCap leaves out of each run the contacts that received
	// capped promos Max times within Per already.
	FrequencyCap *FrequencyCap `json:"frequency_cap,omitempty"`

	// nulls are the optional fields the body gave as null (nullProblems),
	// noted by Parse and Decode: problems of Validate.
	nulls []Problem
}

func (e *SendPromo) noteNulls(data []byte) { e.nulls = nullProblems(data) }

// Size limits of a promo's text. WhatsApp caps a text message at 4096
// characters; Chat Inc's page gives none, so a message past WhatsApp's cap is
// refused here, with its length, rather than stored, run and failed later.
const (
	MaxTitleChars   = 256
	MaxMessageChars = 4096
	MaxImageURLLen  = 2048
	// MaxButtonTextChars is what WhatsApp shows of a button's text.
	MaxButtonTextChars = 25
	MaxButtonURLLen    = 2000
)

// IsCron reports whether the promo runs on a cron schedule.
func (e *SendPromo) IsCron() bool { return e.Schedule != nil && e.Schedule.Cron != "" }

// Validate returns every problem of the event, using Chat Inc's button and
// message rules. Whether a {group.field} placeholder names an existing group
// is Chat Inc's check at create time.
func (e *SendPromo) Validate() error {
	p := &problems{event: TypeSendPromo}
	p.eventID(e.EventID)
	p.id("promo_id", e.PromoID)
	p.required("title", e.Title)
	p.maxChars("title", e.Title, MaxTitleChars)
	if err := chatinc.ValidateMessage(e.Message); err != nil {
		p.add("message", "%s", ruleOf(err))
	}
	p.maxChars("message", e.Message, MaxMessageChars)
	if len(e.ImageURL) > MaxImageURLLen {
		p.add("image_url", "is %d bytes, at most %d", len(e.ImageURL), MaxImageURLLen)
	} else if e.ImageURL != "" {
		if u, err := url.Parse(e.ImageURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p.add("image_url", "%q must be an http or https URL", e.ImageURL)
		}
	}
	p.buttons(e.Buttons)
	if _, err := quiethours.Parse(e.QuietHours); err != nil {
		p.add("quiet_hours", "%s", strings.TrimPrefix(err.Error(), quiethours.ErrInvalid.Error()+": "))
	}
	p.frequencyCap("frequency_cap", e.FrequencyCap)
	if len(e.Audiences) == 0 {
		p.add("audiences", `at least one audience id is required (use "all" for every contact)`)
	}
	for i, a := range e.Audiences {
		if a == "" || ids.Check(a) != nil { // the path is built only for a problem
			p.id(fieldPath("audiences", i), a)
		}
	}
	p.schedule("schedule", e.Schedule)
	p.list = append(p.list, e.nulls...)
	return p.err()
}

// maxChars adds a problem when value holds more than max characters.
func (p *problems) maxChars(path, value string, max int) {
	if n := utf8.RuneCountInString(value); n > max {
		p.add(path, "is %d characters, at most %d", n, max)
	}
}

// buttons checks each button alone (so every bad one is listed), then the
// rules across buttons (mixing, counts).
func (p *problems) buttons(bs []Button) {
	ok := true
	for i, b := range bs {
		long := false
		if n := utf8.RuneCountInString(b.Text); n > MaxButtonTextChars {
			long = true
			p.add(fieldPath("buttons", i)+".text", "is %d characters, at most %d (what WhatsApp shows of a button)", n, MaxButtonTextChars)
		}
		if len(b.URL) > MaxButtonURLLen {
			long = true
			p.add(fieldPath("buttons", i)+".url", "is %d bytes, at most %d", len(b.URL), MaxButtonURLLen)
		}
		if long {
			ok = false
			continue
		}
		if err := chatinc.ValidateButtons([]chatinc.Button{b.ChatInc()}); err != nil {
			ok = false
			field, rule := splitValidation(err)
			p.add(strings.Replace(field, "buttons[0]", fieldPath("buttons", i), 1), "%s", rule)
		}
	}
	if ok {
		if err := chatinc.ValidateButtons(ChatIncButtons(bs)); err != nil {
			field, rule := splitValidation(err)
			p.add(field, "%s", rule)
		}
	}
}

func splitValidation(err error) (field, rule string) {
	var ve *chatinc.ValidationError
	if errors.As(err, &ve) {
		return ve.Field, ve.Rule
	}
	return "buttons", fmt.Sprint(err)
}

func ruleOf(err error) string {
	_, rule := splitValidation(err)
	return rule
}

// ID is the event's own id (event_id; "" when the body has none).
func (e *SendPromo) ID() string { return e.EventID }
