package events

import (
	"fmt"
	"strings"
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

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		if p.Path == "" {
			parts[i] = p.Reason
		} else {
			parts[i] = p.Path + ": " + p.Reason
		}
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
