package sandbox

import (
	"fmt"
	"net/url"
	"regexp"
)

var (
	identRE       = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	placeholderRE = regexp.MustCompile(`\{([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\}`)
	e164RE        = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)
)

// Button is a campaign button as the API takes it.
type Button struct {
	Text        string `json:"text"`
	Type        string `json:"type"`
	JourneyID   string `json:"journeyId,omitempty"`
	Input       string `json:"input,omitempty"`
	URL         string `json:"url,omitempty"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
}

// checkButtons enforces the page's button rules: phone and url buttons only
// with each other, never with input or journey buttons; plus the limits
// WhatsApp templates set (10 buttons, 2 url, 1 phone).
func checkButtons(bs []Button) error {
	if len(bs) > 10 {
		return errValidation("buttons: at most 10 buttons; got %d", len(bs))
	}
	var nURL, nPhone, nInteractive int
	for i, b := range bs {
		if b.Text == "" {
			return errValidation("buttons[%d].text is required", i)
		}
		switch b.Type {
		case "journey":
			nInteractive++
			if b.JourneyID == "" {
				return errValidation("buttons[%d]: a journey button needs journeyId", i)
			}
		case "input":
			nInteractive++
		case "url":
			nURL++
			u, err := url.Parse(b.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return errValidation("buttons[%d].url %q must be an http(s) URL", i, b.URL)
			}
		case "phone":
			nPhone++
			if !e164RE.MatchString(b.PhoneNumber) {
				return errValidation("buttons[%d].phoneNumber %q must be E.164 (+ and 8 to 15 digits)", i, b.PhoneNumber)
			}
		default:
			return errValidation("buttons[%d].type %q must be journey, input, url or phone", i, b.Type)
		}
	}
	if (nURL > 0 || nPhone > 0) && nInteractive > 0 {
		return errValidation("buttons: phone and url buttons can only be used together with each other and cannot be combined with input or journey buttons")
	}
	if nURL > 2 {
		return errValidation("buttons: at most 2 url buttons; got %d", nURL)
	}
	if nPhone > 1 {
		return errValidation("buttons: at most 1 phone button; got %d", nPhone)
	}
	return nil
}

// placeholder is one {group.field} in a message.
type placeholder struct{ Group, Field string }

// parsePlaceholders finds {group.field} placeholders; other braces (the
// page's "My message {}") are plain text.
func parsePlaceholders(msg string) []placeholder {
	var out []placeholder
	for _, m := range placeholderRE.FindAllStringSubmatch(msg, -1) {
		out = append(out, placeholder{m[1], m[2]})
	}
	return out
}

// checkPlaceholdersLocked requires each placeholder to name an existing
// variable group (by id or name) and one of its fields.
func (s *Server) checkPlaceholdersLocked(msg string) ([]string, error) {
	var vars []string
	for _, p := range parsePlaceholders(msg) {
		g := s.groupByIDOrNameLocked(p.Group)
		if g == nil {
			return nil, errValidation("message: unknown variable group %q in {%s.%s}; create it first (POST /v1/create/variable/group)", p.Group, p.Group, p.Field)
		}
		if !g.hasField(p.Field) {
			return nil, errValidation("message: variable group %q has no field %q in {%s.%s} (fields: %v)", p.Group, p.Field, p.Group, p.Field, g.Fields)
		}
		vars = append(vars, fmt.Sprintf("%s.%s", p.Group, p.Field))
	}
	return vars, nil
}

func (s *Server) groupByIDOrNameLocked(name string) *varGroup {
	if g, ok := s.groups[name]; ok {
		return g
	}
	for _, id := range s.grpOrder {
		if s.groups[id].Name == name {
			return s.groups[id]
		}
	}
	return nil
}
