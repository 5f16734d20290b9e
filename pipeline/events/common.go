package events

import (
	"regexp"

	"github.com/campaignflow/campaignflow/pipeline/ids"
)

// Audience names the Chat Inc audience an ingest event fills.
type Audience struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
}

// Contact is one contact of a segment event: a phone number in any common
// notation and its attributes (candidate variable-group values).
type Contact struct {
	Number     string            `json:"number"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// VariableGroupRef names the variable group an ingest event fills and, for
// segment events, which contact attributes become its fields.
type VariableGroupRef struct {
	ID          string   `json:"id"`
	Name        string   `json:"name,omitempty"`
	Description string   `json:"description,omitempty"`
	Fields      []string `json:"fields,omitempty"`
}

// idRE is what Chat Inc accepts in audience ids, variable-group ids and
// fields (they appear in {group.field} placeholders).
var idRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func (p *problems) audience(path string, a Audience) {
	if a.ID == "" || ids.Check(a.ID) != nil { // the path is built only for a problem
		p.id(path+".id", a.ID)
	}
}

func (p *problems) variableGroup(path string, g *VariableGroupRef) {
	if g == nil {
		return
	}
	if !idRE.MatchString(g.ID) || len(g.ID) > ids.MaxLen {
		p.add(path+".id", "%s must be 1 to %d letters, digits, _ or - (it is used in {group.field} placeholders)", ids.Quote(g.ID), ids.MaxLen)
	}
	seen := map[string]bool{}
	for i, f := range g.Fields {
		switch {
		case !idRE.MatchString(f) || len(f) > ids.MaxLen:
			p.add(fieldPath(path+".fields", i), "%s must be letters, digits, _ or -", ids.Quote(f))
		case f == "number":
			p.add(fieldPath(path+".fields", i), `"number" is the contact's key, not a field`)
		case seen[f]:
			p.add(fieldPath(path+".fields", i), "%q is listed twice", f)
		}
		seen[f] = true
	}
}
