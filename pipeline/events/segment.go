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

// attributes checks a contact's attributes against the bounds.
func (p *problems) attributes(path string, attrs map[string]string) {
	if len(attrs) > MaxAttributes {
		p.add(path, "holds %d attributes, at most %d", len(attrs), MaxAttributes)
		return
	}
	for k, v := range attrs {
		if len(v) > MaxAttributeBytes {
			p.add(path, "%s is %d bytes, at most %d", ids.Quote(k), len(v), MaxAttributeBytes)
		}
	}
}

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
			p.add(fieldPath("contacts", i)+".number", "is required")
		case len(c.Number) > MaxNumberBytes:
			p.add(fieldPath("contacts", i)+".number", "is %d bytes, at most %d", len(c.Number), MaxNumberBytes)
		}
		p.attributes(fieldPath("contacts", i)+".attributes", c.Attributes)
	}
	p.variableGroup("variable_group", e.VariableGroup)
	return p.err()
}

// ID is the event's own id (event_id; "" when the body has none).
func (e *SegmentUpdated) ID() string { return e.EventID }
