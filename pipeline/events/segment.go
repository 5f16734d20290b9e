package events

import "strings"

// SegmentUpdated is customer-segment-updated: contacts to merge into an
// audience and, when VariableGroup is given, the attributes named in its
// Fields become that group's values for each number.
type SegmentUpdated struct {
	EventID       string            `json:"event_id,omitempty"`
	Audience      Audience          `json:"audience"`
	Contacts      []Contact         `json:"contacts"`
	VariableGroup *VariableGroupRef `json:"variable_group,omitempty"`
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
		if strings.TrimSpace(c.Number) == "" { // the path is built only for a problem
			p.add(fieldPath("contacts", i)+".number", "is required")
		}
	}
	p.variableGroup("variable_group", e.VariableGroup)
	return p.err()
}

// ID is the event's own id (event_id; "" when the body has none).
func (e *SegmentUpdated) ID() string { return e.EventID }
