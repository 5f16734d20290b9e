package e164

import (
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

func TestE164(t *testing.T) {
	tests := []struct {
		region, in, want string
	}{
		{"ZA", "+27 82 123 4567", "+27821234567"},
		{"ZA", "082 123 4567", "+27821234567"},
		{"ZA", "(082) 123-4567", "+27821234567"},
		{"ZA", "0027821234567", "+27821234567"},
		{"US", "202-555-0187", "+12025550187"},
		{"ZA", "+44 20 7946 0958", "+442079460958"},
		{"ZA", "abc", ""},
		{"ZA", "", ""},
		{"ZA", "+27 82", ""},
		{"", "0821234567", ""},
		{"ZA", "008100A7800000000000", ""}, // libphonenumber's +81 0078..., 17 digits: not E.164
	}
	for _, tt := range tests {
		got, err := Mapper{DefaultRegion: tt.region}.E164(tt.in)
		if got != tt.want || (tt.want == "") != (err != nil) {
			t.Errorf("E164(%q, %s) = %q, %v; want %q", tt.in, tt.region, got, err, tt.want)
		}
		// AppendE164 appends the same after what dst holds, or leaves it.
		dst := []byte("+1;")
		out, aerr := Mapper{DefaultRegion: tt.region}.AppendE164(dst, tt.in)
		if string(out) != "+1;"+tt.want || (aerr == nil) != (err == nil) || aerr != nil && aerr.Error() != err.Error() {
			t.Errorf("AppendE164(%q, %q, %s) = %q, %v; want %q, %v", dst, tt.in, tt.region, out, aerr, "+1;"+tt.want, err)
		}
	}
}

func FuzzE164(f *testing.F) {
	for _, s := range []string{"+27821234567", "082 123 4567", "00", "+", "++1", "0027"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Mapper{DefaultRegion: "ZA"}.E164(in)
		if err == nil && (!strings.HasPrefix(got, "+") || len(got) < 8 || len(got) > 16) {
			t.Fatalf("E164(%q) = %q is not E.164", in, got)
		}
	})
}

// FuzzFastE164MatchesSlowPath checks the fast path never disagrees with
// libphonenumber's full parse.
func FuzzFastE164MatchesSlowPath(f *testing.F) {
	for _, s := range []string{"+27821234567", "082 123 4567", "(082) 123-4567", "+390612345678", "+1 202 555 0187", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		fast, ok := fastE164(in, "ZA", 27, "0")
		if !ok {
			return
		}
		p, err := phonenumbers.Parse(strings.TrimSpace(in), "ZA")
		if err != nil || !phonenumbers.IsValidNumber(p) {
			t.Fatalf("fast path accepted %q as %q; full parse says invalid (%v)", in, fast, err)
		}
		if slow := phonenumbers.Format(p, phonenumbers.E164); slow != fast {
			t.Fatalf("fast %q != slow %q for %q", fast, slow, in)
		}
	})
}
