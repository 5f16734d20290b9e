package events

import (
	"errors"
	"testing"
)

// TestDecodeTypeErrorAtItsField: a value of the wrong type is a problem at
// its own field's path (list indices named), in plain words, from Parse
// and from Decode (the worker's) alike; not JSON stays a body problem.
func TestDecodeTypeErrorAtItsField(t *testing.T) {
	const head = `{"promo_id":"p","title":"T","message":"Hi","audiences":["a"]`
	tests := []struct {
		name, body, path, reason string
	}{
		{"exponent integer", head + `,"frequency_cap":{"max":1e2,"per":"1d"}}`, "frequency_cap.max", "1e2 is not an integer (write a whole number, e.g. 10)"},
		{"fraction", head + `,"frequency_cap":{"per":"1d","max":1.5}}`, "frequency_cap.max", "1.5 is not an integer (write a whole number, e.g. 10)"},
		{"string for integer", head + `,"frequency_cap":{"max":"3","per":"1d"}}`, "frequency_cap.max", "a string is not an integer (write a whole number, e.g. 10)"},
		{"object for string", head + `,"quiet_hours":{}}`, "quiet_hours", "an object is not a string"},
		{"in a list", `  {"promo_id":"p","title":"T","message":"Hi","audiences":["a", 7]}`, "audiences[1]", "a number is not a string"},
		{"list for object", head + `,"schedule":[]}`, "schedule", "an array is not an object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, perr := Parse(TypeSendPromo, []byte(tc.body))
			_, derr := Decode[SendPromo](TypeSendPromo, []byte(tc.body))
			for _, err := range []error{perr, derr} {
				var ve *ValidationError
				if !errors.As(err, &ve) || len(ve.Problems) != 1 {
					t.Fatalf("err = %v, want one problem", err)
				}
				if got := ve.Problems[0]; got.Path != tc.path || got.Reason != tc.reason {
					t.Errorf("problem = %q: %q, want %q: %q", got.Path, got.Reason, tc.path, tc.reason)
				}
			}
		})
	}
	_, err := Parse(TypeSendPromo, []byte(`{"promo_id":`))
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Problems[0].Path != "" {
		t.Errorf("not JSON: %v, want a problem of the body", err)
	}
}
