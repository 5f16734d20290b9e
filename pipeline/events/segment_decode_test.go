package events

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

// contractSegment is the contract's customer-segment-updated example.
const contractSegment = `{
  "event_id": "seg-2026-11-25-0001",
  "audience": {"id": "vip-shoppers", "name": "VIP shoppers", "description": "spent > 1000 in 90 days"},
  "contacts": [
    {"number": "+27 82 123 4567", "attributes": {"first_name": "Thandi", "tier": "gold"}}
  ],
  "variable_group": {"id": "customers", "name": "customers", "fields": ["first_name", "tier"]}
}`

// fastCases are segment bodies the one-pass read takes (fast true) or
// leaves to encoding/json (fast false).
var fastCases = []struct {
	name, body string
	fast       bool
}{
	{"contract example", contractSegment, true},
	{"bench body", string(pipelinetest.SegmentBody()), true},
	{"unknown members of every kind", `{"x":[1,{"y":null},"\u00e9",-1.5e3,true],"audience":{"id":"a","z":{}},"contacts":[{"number":"1","w":false}],"v":"s"}`, true},
	{"empty lists and maps", ` {"audience":{},"contacts":[],"variable_group":{"fields":[]}} `, true},
	{"attributes, a repeated name", `{"contacts":[{"attributes":{"a":"1","a":"2","b":""},"number":"+27 82"}]}`, true},
	{"non-ASCII text", `{"audience":{"id":"a","name":"Zoë's ✓"},"contacts":[{"number":"1","attributes":{"nämé":"Thandi ✓"}}]}`, true},
	{"more contacts than the stack holds", `{"contacts":[` + strings.Repeat(`{"number":"1"},`, 40) + `{"number":"2"}]}`, true},
	{"empty object", `{}`, true},

	{"escape in a string", `{"contacts":[{"number":"\u0031"}]}`, false},
	{"escaped key", `{"event_\u0069d":"x"}`, false},
	{"case-folded member", `{"Audience":{"id":"a"}}`, false},
	{"case-folded inner member", `{"contacts":[{"NUMBER":"1"}]}`, false},
	{"non-ASCII key that may fold", `{"contactſ":[]}`, false},
	{"repeated contacts", `{"contacts":[{"number":"1"}],"contacts":[{"attributes":{"a":"b"}}]}`, false},
	{"repeated event_id", `{"event_id":"a","event_id":"b"}`, false},
	{"null contacts", `{"contacts":null}`, false},
	{"null contact", `{"contacts":[null]}`, false},
	{"null attribute", `{"contacts":[{"attributes":{"a":null}}]}`, false},
	{"number as a number", `{"contacts":[{"number":27821234567}]}`, false},
	{"attribute as a number", `{"contacts":[{"attributes":{"a":1}}]}`, false},
	{"invalid UTF-8", "{\"contacts\":[{\"number\":\"\xff1\"}]}", false},
	{"not an object", `[]`, false},
	{"null", `null`, false},
	{"trailing garbage", `{} x`, false},
	{"trailing comma", `{"event_id":"a",}`, false},
	{"bad number in an unknown member", `{"x":01}`, false},
	{"deeply nested unknown member", `{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, false},
	{"truncated", `{"contacts":[{"number":"1"}`, false},
}

// TestSegmentDecodeFast: the one-pass read takes the common shapes and
// gives json.Unmarshal's event; it leaves the rest to encoding/json, so
// Decode's answer is json.Unmarshal's either way.
func TestSegmentDecodeFast(t *testing.T) {
	for _, tc := range fastCases {
		t.Run(tc.name, func(t *testing.T) {
			var fast SegmentUpdated
			ok := fast.decodeFast([]byte(tc.body))
			if ok != tc.fast {
				t.Fatalf("decodeFast = %v, want %v", ok, tc.fast)
			}
			var slow SegmentUpdated
			err := json.Unmarshal([]byte(tc.body), &slow)
			if ok && (err != nil || !reflect.DeepEqual(fast, slow)) {
				t.Fatalf("decodeFast gave %+v; json.Unmarshal %+v, %v", fast, slow, err)
			}
			if !ok && !reflect.DeepEqual(fast, SegmentUpdated{}) {
				t.Fatalf("decodeFast gave up but set the event: %+v", fast)
			}
			// A body inside a larger buffer (a CloudEvents envelope's data)
			// reads the same.
			framed := []byte(`{"data":` + tc.body + `}`)
			var inner SegmentUpdated
			if okInner := inner.decodeFast(framed[8 : 8+len(tc.body)]); okInner != ok || !reflect.DeepEqual(inner, fast) {
				t.Fatalf("inside a larger buffer: %v, %+v; alone: %v, %+v", okInner, inner, ok, fast)
			}
			ev, derr := Decode[SegmentUpdated](TypeSegmentUpdated, []byte(tc.body))
			if want := validateOrErr([]byte(tc.body), slow, err); (derr == nil) != (want == nil) || derr != nil && derr.Error() != want.Error() || derr == nil && !reflect.DeepEqual(*ev, slow) {
				t.Fatalf("Decode = %+v, %v; want %+v, %v", ev, derr, slow, want)
			}
		})
	}
}

// validateOrErr is Decode's error for what json.Unmarshal gave.
func validateOrErr(data []byte, ev SegmentUpdated, err error) error {
	if err != nil {
		return decodeError(TypeSegmentUpdated, data, err)
	}
	return ev.Validate()
}

// FuzzSegmentDecodeFast: whatever the body, the one-pass read gives
// json.Unmarshal's event or gives up.
func FuzzSegmentDecodeFast(f *testing.F) {
	for _, tc := range fastCases {
		f.Add([]byte(tc.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast SegmentUpdated
		if !fast.decodeFast(body) {
			return
		}
		var slow SegmentUpdated
		if err := json.Unmarshal(body, &slow); err != nil || !reflect.DeepEqual(fast, slow) {
			t.Fatalf("decodeFast(%q) = %+v; json.Unmarshal %+v, %v", body, fast, slow, err)
		}
	})
}

// TestSegmentDecodeFastKnowsEveryMember: the one-pass read knows every JSON
// member of the segment event's types (a field added to them must be read
// there too, or it would be dropped), and reads each as json.Unmarshal does.
func TestSegmentDecodeFastKnowsEveryMember(t *testing.T) {
	for _, tc := range []struct {
		typ   any
		known []string
	}{
		{SegmentUpdated{}, segmentMembers}, {Audience{}, audienceMembers},
		{Contact{}, contactMembers}, {VariableGroupRef{}, groupMembers},
	} {
		var tags []string
		rt := reflect.TypeOf(tc.typ)
		for i := range rt.NumField() {
			tags = append(tags, strings.Split(rt.Field(i).Tag.Get("json"), ",")[0])
		}
		if !reflect.DeepEqual(tags, tc.known) {
			t.Errorf("%s has members %q; the one-pass read knows %q", rt.Name(), tags, tc.known)
		}
	}
	for _, body := range []string{
		`{"event_id":"e"}`, `{"audience":{"id":"a"}}`, `{"audience":{"name":"n"}}`, `{"audience":{"description":"d"}}`,
		`{"contacts":[{"number":"1"}]}`, `{"contacts":[{"attributes":{"k":"v"}}]}`,
		`{"variable_group":{"id":"g"}}`, `{"variable_group":{"name":"n"}}`, `{"variable_group":{"description":"d"}}`,
		`{"variable_group":{"fields":["f"]}}`,
	} {
		var fast, slow SegmentUpdated
		if !fast.decodeFast([]byte(body)) || json.Unmarshal([]byte(body), &slow) != nil || !reflect.DeepEqual(fast, slow) || reflect.DeepEqual(fast, SegmentUpdated{}) {
			t.Errorf("%s: one-pass read %+v, json.Unmarshal %+v", body, fast, slow)
		}
	}
}
