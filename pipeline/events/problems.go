package events

import (
	"fmt"
	"strings"

	"github.com/campaignflow/campaignflow/pipeline/ids"
)

// Problem is one thing wrong with an event, at a field path such as
// "buttons[1].url".
type Problem struct {
	Path   string
	Reason string
}

// ValidationError lists every problem found in one event. Handlers wrap it
// with pipeline.Validation: an invalid event is never retried.
type ValidationError struct {
	Event    string // the event type
	Problems []Problem
}

// maxListed is how many problems Error spells out; the rest are counted.
const maxListed = 50

func (e *ValidationError) Error() string {
	parts := make([]string, min(len(e.Problems), maxListed), min(len(e.Problems), maxListed)+1)
	for i, p := range e.Problems[:len(parts)] {
		if p.Path == "" {
			parts[i] = p.Reason
		} else {
			parts[i] = p.Path + ": " + p.Reason
		}
	}
	if more := len(e.Problems) - len(parts); more > 0 {
		parts = append(parts, fmt.Sprintf("and %d more problems", more))
	}
	return fmt.Sprintf("events: %s: %s", e.Event, strings.Join(parts, "; "))
}

// problems collects Problems while validating.
type problems struct {
	event string
	list  []Problem
}

func (p *problems) add(path, format string, args ...any) {
	p.list = append(p.list, Problem{Path: path, Reason: fmt.Sprintf(format, args...)})
}

// id checks a required id against the id rules (ids.Check).
func (p *problems) id(path, value string) {
	if value == "" {
		p.add(path, "is required")
		return
	}
	if err := ids.Check(value); err != nil {
		p.add(path, "%s", strings.TrimPrefix(err.Error(), "ids: "))
	}
}

// eventID checks an optional event_id in the body.
func (p *problems) eventID(value string) {
	if value != "" {
		p.id("event_id", value)
	}
}

func (p *problems) required(path, value string) {
	if strings.TrimSpace(value) == "" {
		p.add(path, "is required")
	}
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ValidationError{Event: p.event, Problems: p.list}
}
