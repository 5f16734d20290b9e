package pipeline

import (
	"reflect"
	"strings"
	"testing"
)

var envelopeCases = []struct {
	name, body string
	fast       bool
}{
	{"event_id", `{"event_id":"b1","promo_id":"p"}`, true},
	{"no event_id", ` {"promo_id":"p","n":[1,{"x":null}],"t":true} `, true},
	{"empty object", `{}`, true},
	{"specversion as a value", `{"event_id":"b1","note":"specversion"}`, true},
	{"specversion nested", `{"x":{"specversion":"1.0"}}`, true},
	{"event_id not a string", `{"event_id":7}`, false},
	{"escaped event_id", `{"event_id":"a\u0062"}`, false},
	{"repeated event_id", `{"event_id":"a","event_id":"b"}`, false},
	{"case-folded event_id", `{"Event_ID":"a"}`, false},
	{"non-ASCII key", `{"évent_id":"a"}`, false},
	{"escaped key", `{"event_i\u0064":"a"}`, false},
	{"cloudevents", `{"specversion":"1.0","id":"c","type":"com.example.send-promo","source":"/x","data":{"event_id":"d","a":[1]}}`, true},
	{"cloudevents, data first, no id or type", ` { "data" : { } , "specversion" : "1.1" } `, true},
	{"cloudevents, escaped id", `{"specversion":"1.0","id":"\u0063","data":{}}`, false},
	{"cloudevents 2.0", `{"specversion":"2.0","id":"c","data":{}}`, false},
	{"cloudevents, null specversion", `{"specversion":null,"data":{}}`, false},
	{"cloudevents without data", `{"specversion":"1.0","id":"c"}`, false},
	{"cloudevents, data not an object", `{"specversion":"1.0","id":"c","data":[1]}`, false},
	{"cloudevents, repeated data", `{"specversion":"1.0","data":{},"data":{"event_id":"x"}}`, false},
	{"cloudevents, case-folded member", `{"specversion":"1.0","ID":"c","data":{}}`, false},
	{"cloudevents, data with a repeated event_id", `{"specversion":"1.0","data":{"event_id":"a","event_id":"b"}}`, false},
	{"case-folded specversion", `{"SpecVersion":"1.0","id":"c","data":{}}`, false},
	{"invalid JSON", `{"a":`, false},
	{"trailing garbage", `{"a":1} x`, false},
	{"deep", `{"a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, false},
}

// TestFastEnvelope: the one-pass read takes plain bodies and CloudEvents
// envelopes, giving what parseEnvelopeJSON gives, and leaves the rest to it.
func TestFastEnvelope(t *testing.T) {
	for _, tc := range envelopeCases {
		t.Run(tc.name, func(t *testing.T) {
			env, ok := fastEnvelope([]byte(strings.TrimSpace(tc.body)))
			if ok != tc.fast {
				t.Fatalf("fastEnvelope ok = %v, want %v", ok, tc.fast)
			}
			want, werr := parseEnvelopeJSON([]byte(strings.TrimSpace(tc.body)))
			if ok && (werr != nil || !reflect.DeepEqual(env, want)) {
				t.Fatalf("fastEnvelope = %+v; parseEnvelopeJSON = %+v, %v", env, want, werr)
			}
			got, err := ParseEnvelope([]byte(tc.body))
			if !reflect.DeepEqual(got, want) || (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
				t.Fatalf("ParseEnvelope = %+v, %v; want %+v, %v", got, err, want, werr)
			}
		})
	}
}

// FuzzFastEnvelope: whatever the body, the one-pass read gives
// parseEnvelopeJSON's envelope or gives up.
func FuzzFastEnvelope(f *testing.F) {
	for _, tc := range envelopeCases {
		f.Add([]byte(tc.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		env, ok := fastEnvelope(body)
		if !ok {
			return
		}
		if want, err := parseEnvelopeJSON(body); err != nil || !reflect.DeepEqual(env, want) {
			t.Fatalf("fastEnvelope(%q) = %+v; parseEnvelopeJSON = %+v, %v", body, env, want, err)
		}
	})
}

// TestFastEnvelopeKnowsEveryMember: the one-pass reads know every member of
// the structs encoding/json reads (a field added to them must be read there
// too).
func TestFastEnvelopeKnowsEveryMember(t *testing.T) {
	for _, tc := range []struct {
		typ   any
		known []string
	}{{envelopeProbe{}, probeMembers}, {cloudEvent{}, cloudEventMembers}} {
		var tags []string
		rt := reflect.TypeOf(tc.typ)
		for i := range rt.NumField() {
			tags = append(tags, rt.Field(i).Tag.Get("json"))
		}
		if !reflect.DeepEqual(tags, tc.known) {
			t.Errorf("%s has members %q; the one-pass read knows %q", rt.Name(), tags, tc.known)
		}
	}
}
