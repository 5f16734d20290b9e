package events

import (
	"encoding/json"
	"fmt"
)

// Validator is implemented by every event type.
type Validator interface{ Validate() error }

// Parse decodes an event body (CloudEvents data already unwrapped) of the
// given type into *SegmentUpdated, *AudienceFileUploaded, *SendPromo or
// *ScheduleCancelled and validates it. A body that is not JSON or has a
// wrong-typed field, and an invalid event, return a *ValidationError.
func Parse(eventType string, data []byte) (any, error) {
	var v Validator
	switch eventType {
	case TypeSegmentUpdated:
		v = &SegmentUpdated{}
	case TypeAudienceFileUploaded:
		v = &AudienceFileUploaded{}
	case TypeSendPromo:
		v = &SendPromo{}
	case TypeScheduleCancelled:
		v = &ScheduleCancelled{}
	default:
		return nil, fmt.Errorf("events: unknown event type %q; known: %v", eventType, Types)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return nil, &ValidationError{Event: eventType, Problems: []Problem{{Reason: "body is not a valid " + eventType + " event: " + err.Error()}}}
	}
	if err := v.Validate(); err != nil {
		return nil, err
	}
	return v, nil
}
