package events

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Validator is implemented by every event type.
type Validator interface{ Validate() error }

// Parse decodes an event body (CloudEvents data already unwrapped) of the
// given type into *SegmentUpdated, *AudienceFileUploaded, *SendPromo or
// *ScheduleCancelled and validates it. A body that is not JSON or has a
// wrong-typed field, and an invalid event, return a *ValidationError.
func Parse(eventType string, data []byte) (any, error) {
	v, err := newEvent(eventType)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return nil, decodeError(eventType, data, err)
	}
	noteNulls(v, data)
	if err := v.Validate(); err != nil {
		return nil, err
	}
	return v, nil
}

// Event is an event type: its pointer validates itself.
type Event[T any] interface {
	*T
	Validator
}

// Decode reads data as an event of type T (eventType names it in errors)
// and validates it: the one parse and check an event gets on its way to its
// handler (in one pass for a segment event of the common shape, see
// fastDecoder). A body that is not JSON or has a wrong-typed field, and an
// invalid event, return a *ValidationError.
func Decode[T any, P Event[T]](eventType string, data []byte) (P, error) {
	p := P(new(T))
	if f, ok := any(p).(fastDecoder); !ok || !f.decodeFast(data) {
		if err := json.Unmarshal(data, p); err != nil {
			return nil, decodeError(eventType, data, err)
		}
	}
	noteNulls(p, data)
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// ParseLenient runs the checks of Parse on what decodes of data: a value
// of the wrong type is left out (zero) instead of stopping the decode, so
// that a tool can list the other problems too. It returns Validate's error
// (nil when the rest is valid); data that is not JSON at all is an error.
func ParseLenient(eventType string, data []byte) error {
	v, err := newEvent(eventType)
	if err != nil {
		return err
	}
	var te *json.UnmarshalTypeError
	err = json.Unmarshal(data, v)
	if err != nil && !errors.As(err, &te) {
		return decodeError(eventType, data, err)
	}
	noteNulls(v, data)
	verr := v.Validate()
	if te == nil || te.Field == "" {
		return verr
	}
	// The value of the wrong type is a problem at its path, in place of
	// what Validate says of the zero value left there.
	out := decodeError(eventType, data, err)
	var ve *ValidationError
	if errors.As(verr, &ve) {
		for _, p := range ve.Problems {
			if p.Path != out.Problems[0].Path {
				out.Problems = append(out.Problems, p)
			}
		}
	}
	return out
}

// nullNoter is an event whose optional fields may not be null (the
// schema gives them none): send-promo, see nullProblems.
type nullNoter interface{ noteNulls(data []byte) }

// noteNulls has v note the fields data gives as null, for its Validate.
func noteNulls(v any, data []byte) {
	if n, ok := v.(nullNoter); ok {
		n.noteNulls(data)
	}
}

func newEvent(eventType string) (Validator, error) {
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
	return v, nil
}
