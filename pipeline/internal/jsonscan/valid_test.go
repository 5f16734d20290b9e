package jsonscan

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

var validCases = []string{
	``, ` `, `{}`, ` { } `, `[]`, `[ ]`, `{"a":1}`, `{"a" : [1, 2.5, -0, 1e9, 1E+2, 0.1e-3, true, false, null, "x"]}`,
	`{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `{"a"}`, `{"a":}`, `{"a" 1}`, `{1:2}`, `{"a":1 "b":2}`, `[1 2]`,
	`01`, `-`, `-0`, `-01`, `1.`, `.5`, `1e`, `1e+`, `+1`, `1.5e3x`, `00`, `0x1`, `1 2`, `{} {}`, `{}x`,
	`tru`, `true`, `truex`, `nul`, `null `, `fals`, `false`, `True`,
	`"`, `"a`, `"a"`, `"\"`, `"\""`, `"\\"`, `"\/\b\f\n\r\t"`, `"\u00e9"`, `"\u00g9"`, `"\u12"`, `"\x"`, "\"\x01\"", "\"\x7f\"",
	"\"\xff\xfe\"", "\"é\"", "[\"a\tb\"]", " \t\r\n[1]\n", "\v[1]", "[1]\x00",
	`{"a":{"b":{"c":[{"d":[]}]}}}`, `[[[]]]`, `[[[]]`, `[]]`, `{"a":[}`, `{"a":{]}`, `[{"a":1]]`,
}

// TestValidIsJSONValid: Valid gives json.Valid's answer on every case, and
// at the nesting limit (10000 levels valid, 10001 not).
func TestValidIsJSONValid(t *testing.T) {
	cases := append([]string(nil), validCases...)
	for _, n := range []int{63, 64, 65, 128, 129, 9999, 10000, 10001} {
		cases = append(cases, strings.Repeat("[", n)+strings.Repeat("]", n),
			strings.Repeat(`{"a":`, n)+"1"+strings.Repeat("}", n), strings.Repeat("[", n))
	}
	valid := 0
	for _, c := range cases {
		want := json.Valid([]byte(c))
		if got := Valid([]byte(c)); got != want {
			t.Errorf("Valid(%.80q) = %v, json.Valid = %v", c, got, want)
		}
		if want {
			valid++
		}
	}
	if valid < 20 || valid > len(cases)-20 {
		t.Fatalf("%d of %d cases valid: the cases do not test both answers", valid, len(cases))
	}
}

func FuzzValid(f *testing.F) {
	for _, c := range validCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := Valid(data), json.Valid(data); got != want {
			t.Fatalf("Valid(%q) = %v, json.Valid = %v", data, got, want)
		}
	})
}

// BenchmarkValid measures Valid beside json.Valid on a segment event body.
func BenchmarkValid(b *testing.B) {
	body := pipelinetest.SegmentBody()
	for _, bc := range []struct {
		name  string
		valid func([]byte) bool
	}{{"plain json.Valid", json.Valid}, {"Valid", Valid}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if !bc.valid(body) {
					b.Fatal("invalid")
				}
			}
		})
	}
}
