package e164

import (
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestDigitDFAIsTheRegexp compares, for every pattern of every region's
// metadata (number descs, leading digits, national and international
// prefixes), the automaton with the regexp on the examples, variants of
// them and random digit strings; and checks that nearly every pattern has
// an automaton, those of the common regions all.
func TestDigitDFAIsTheRegexp(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	randomDigits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		return string(b)
	}
	var patterns, withDFA, checked, matched int
	check := func(region, pattern, example string, whole bool) {
		p, err := compilePattern(pattern, whole)
		if err != nil {
			return // compileRegion refuses it too
		}
		patterns++
		if p.dfa == nil {
			if region == "ZA" || region == "GB" || region == "US" || region == "IN" || region == "DE" {
				t.Errorf("%s %q: no automaton", region, pattern)
			}
			return
		}
		withDFA++
		inputs := []string{"", example}
		for cut := 1; cut < len(example); cut++ {
			inputs = append(inputs, example[:cut])
		}
		for i := range len(example) {
			b := []byte(example)
			b[i] = '0' + (b[i]-'0'+byte(1+rng.IntN(9)))%10
			inputs = append(inputs, string(b), example+randomDigits(1+rng.IntN(3)))
		}
		for range 30 {
			inputs = append(inputs, randomDigits(1+rng.IntN(17)))
		}
		for _, in := range inputs {
			want := p.re.MatchString(in)
			if got, ok := p.dfaMatch([]byte(in)); !ok || got != want {
				t.Fatalf("%s %q on %q: automaton %v (ok %v), regexp %v", region, pattern, in, got, ok, want)
			}
			checked++
			if want {
				matched++
			}
		}
	}
	for region := range phonenumbers.GetSupportedRegions() {
		md := metadataForRegion(region)
		if md == nil {
			continue
		}
		examples := ""
		for _, d := range []*phonenumbers.PhoneNumberDesc{
			md.GetGeneralDesc(), md.GetFixedLine(), md.GetMobile(), md.GetPremiumRate(),
			md.GetTollFree(), md.GetSharedCost(), md.GetVoip(), md.GetPersonalNumber(),
			md.GetPager(), md.GetUan(), md.GetVoicemail(),
		} {
			if d == nil {
				continue
			}
			check(region, d.GetNationalNumberPattern(), d.GetExampleNumber(), true)
			examples += d.GetExampleNumber()
		}
		for _, p := range []string{md.GetLeadingDigits(), md.GetNationalPrefixForParsing(), md.GetInternationalPrefix()} {
			if p != "" && !allDigits(p) {
				check(region, p, md.GetNationalPrefix()+examples, false)
			}
		}
	}
	if patterns < 2000 || withDFA < patterns*95/100 || matched < 5000 || checked-matched < 5000 {
		t.Fatalf("too little coverage: %d of %d patterns with an automaton, %d inputs, %d matched", withDFA, patterns, checked, matched)
	}
	t.Logf("%d of %d patterns with an automaton; %d inputs, %d matched", withDFA, patterns, checked, matched)
}

// BenchmarkDigitPattern measures ZA's mobile pattern, the automaton beside
// the regexp it replaces.
func BenchmarkDigitPattern(b *testing.B) {
	p, err := compilePattern(metadataForRegion("ZA").GetMobile().GetNationalNumberPattern(), true)
	if err != nil || p.dfa == nil {
		b.Fatal(err)
	}
	re := regexp.MustCompile(p.re.String())
	b.Run("plain regexp", func(b *testing.B) {
		for b.Loop() {
			if !re.MatchString("821234567") {
				b.Fatal("no match")
			}
		}
	})
	nsn := []byte("821234567")
	b.Run("automaton", func(b *testing.B) {
		for b.Loop() {
			if !p.matches(nsn) {
				b.Fatal("no match")
			}
		}
	})
}
