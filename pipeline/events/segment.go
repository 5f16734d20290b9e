package events

import (
	"strings"

	"github.com/campaignflow/campaignflow/pipeline/ids"
)

// SegmentUpdated is customer-segment-updated: contacts to merge into an
// audience and, when VariableGroup is given, the attributes named in its
// Fields become that group's values for each number.
type SegmentUpdated struct {
	EventID       string            `json:"event_id,omitempty"`
	Audience      Audience          `json:"audience"`
	Contacts      []Contact         `json:"contacts"`
	VariableGroup *VariableGroupRef `json:"variable_group,omitempty"`
}

// Bounds of a contact: a phone number, how many attributes, and each
// attribute's value (as a CSV field, csv.max_field_bytes' default).
const (
	MaxNumberBytes    = 64
	MaxAttributes     = 512
	MaxAttributeBytes = 16 << 10
)

// attributes checks the attributes of contact i against the bounds.
func (p *problems) attributes(i int, attrs map[string]string) {
	if len(attrs) > MaxAttributes {
		p.add(contactPath(i, "attributes"), "holds %d attributes, at most %d", len(attrs), MaxAttributes)
		return
	}
	for k, v := range attrs {
		if len(v) > MaxAttributeBytes {
			p.add(contactPath(i, "attributes"), "%s is %d bytes, at most %d", ids.Quote(k), len(v), MaxAttributeBytes)
		}
	}
}

// contactPath is the path of a member of contact i, e.g.
// "contacts[3].number".
func contactPath(i int, member string) string { return fieldPath("contacts", i) + "." + member }

// Validate returns every problem of the event; a bad phone number is not one
// (it is a per-row error in the ingest report), a missing one is.
func (e *SegmentUpdated) Validate() error {
	p := &problems{event: TypeSegmentUpdated}
	p.eventID(e.EventID)
	p.audience("audience", e.Audience)
	if len(e.Contacts) == 0 {
		p.add("contacts", "at least one contact is required")
	}
	for i, c := range e.Contacts {
		switch { // paths are built only for a problem
		case strings.TrimSpace(c.Number) == "":
			p.add(contactPath(i, "number"), "is required")
		case len(c.Number) > MaxNumberBytes:
			p.add(contactPath(i, "number"), "is %d bytes, at most %d", len(c.Number), MaxNumberBytes)
		}
		p.attributes(i, c.Attributes)
	}
	p.variableGroup("variable_group", e.VariableGroup)
	return p.err()
}

// ID is the event's own id (event_id; "" when the body has none).
func (e *SegmentUpdated) ID() string { return e.EventID }
