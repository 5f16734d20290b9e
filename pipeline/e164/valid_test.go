package e164

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// slowE164 is the oracle: libphonenumber's full parse, validity check and
// E.164 format; "" when it says the number is not valid.
func slowE164(in, region string) string {
	p, err := phonenumbers.Parse(strings.TrimSpace(in), region)
	if err != nil || !phonenumbers.IsValidNumber(p) {
		return ""
	}
	return phonenumbers.Format(p, phonenumbers.E164)
}

func fastE164ForRegion(in, region string) (string, bool) {
	return fastE164(in, region, phonenumbers.GetCountryCodeForRegion(region), phonenumbers.GetNddPrefixForRegion(region, true))
}

// TestFastE164AgreesWithPhonenumbers checks, per region, numbers that are
// valid, too short, too long or in no allocated range: the fast path
// accepts exactly the expected valid ones with libphonenumber's E.164, and
// Mapper.E164 gives libphonenumber's verdict for all of them.
func TestFastE164AgreesWithPhonenumbers(t *testing.T) {
	tests := []struct {
		region, in, want string // want "" = not a valid number
	}{
		{"ZA", "082 123 4567", "+27821234567"},
		{"ZA", "011 123 4567", "+27111234567"},
		{"ZA", "+27 82 123 456", "+2782123456"}, // ZA metadata allows short ranges
		{"ZA", "+27 82 123 45678", ""},
		{"ZA", "+27 82 12", ""},
		{"ZA", "+27 99 123 4567", ""},
		{"ZA", "+44 7911 123456", "+447911123456"},
		{"GB", "07911 123456", "+447911123456"},
		{"GB", "020 7946 0958", "+442079460958"},
		{"GB", "+44 7911 12345", ""},
		{"GB", "+44 7911 1234567", ""},
		{"GB", "+44 1624 756789", "+441624756789"}, // Isle of Man shares +44
		{"GB", "+44 1624 456789", ""},
		{"GB", "+44 7624 123456", "+447624123456"},
		{"GB", "+44 7797 123456", "+447797123456"}, // Jersey
		{"GB", "+44 5 1234 5678", ""},
		{"US", "202-555-0187", "+12025550187"},
		{"US", "1 (202) 555-0187", "+12025550187"},
		{"US", "+1 416 555 0123", "+14165550123"}, // Canada shares +1
		{"US", "(800) 555-0100", "+18005550100"},
		{"US", "+1 202 555 018", ""},
		{"US", "+1 202 555 01877", ""},
		{"US", "+1 123 456 7890", ""},
		{"NG", "0803 123 4567", "+2348031234567"},
		{"NG", "+234 803 123 456", ""},
		{"NG", "+234 803 123 45678", ""},
		{"NG", "+234 999 123 4567", ""},
		{"KE", "0712 345678", "+254712345678"},
		{"KE", "+254 712 34567", ""},
		{"KE", "+254 712 3456789", ""},
		{"KE", "+254 912 345678", ""},
		{"IN", "+91 98765 43210", "+919876543210"},
		{"IN", "098765 43210", "+919876543210"},
		{"IN", "+91 98765 4321", ""},
		{"IN", "+91 98765 432101", ""},
		{"IN", "+91 52345 67890", ""},
		{"BR", "+55 11 91234 5678", "+5511912345678"},
		{"BR", "(11) 91234-5678", "+5511912345678"},
		{"BR", "+55 11 91234 567", ""},
		{"BR", "+55 11 91234 56789", ""},
		{"BR", "+55 10 91234 5678", ""},
		{"DE", "030 123456", "+4930123456"},
		{"DE", "+49 1512 3456789", "+4915123456789"},
		{"DE", "+49 1512 34567890", ""},
		{"DE", "+49 30 1", ""},
		{"DE", "+49 1999 1234567", ""},
		// Regions whose national prefix rules differ from "strip the prefix".
		{"JE", "0800000000", ""}, // JE keeps the 0: 9 digits is no JE length
		{"JE", "07797 123456", "+447797123456"},
		{"RU", "8 495 123 4567", "+74951234567"},
		{"RU", "8 10 44 7911 123456", "+447911123456"}, // 8 10: RU international prefix
		{"RU", "+7 800 123 4567", "+78001234567"},
		{"CA", "1 416 555 0123", "+14165550123"},
	}
	for _, tt := range tests {
		t.Run(tt.region+" "+tt.in, func(t *testing.T) {
			if slow := slowE164(tt.in, tt.region); slow != tt.want {
				t.Fatalf("libphonenumber gives %q, the table wants %q: fix the table", slow, tt.want)
			}
			if fast, ok := fastE164ForRegion(tt.in, tt.region); ok && fast != tt.want {
				t.Errorf("fastE164 = %q, want %q", fast, tt.want)
			}
			got, err := Mapper{DefaultRegion: tt.region}.E164(tt.in)
			if got != tt.want || (err == nil) != (tt.want != "") {
				t.Errorf("E164 = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestFastE164TakesCommonShapes guards the speed-up itself: the common
// shapes of valid numbers are decided by the fast path.
func TestFastE164TakesCommonShapes(t *testing.T) {
	for _, tt := range []struct{ region, in string }{
		{"ZA", "082 123 4567"}, {"ZA", "+27821234567"}, {"GB", "+44 1624 756789"},
		{"US", "1 (202) 555-0187"}, {"KE", "0712 345678"}, {"DE", "+49 1512 3456789"},
	} {
		if _, ok := fastE164ForRegion(tt.in, tt.region); !ok {
			t.Errorf("fastE164(%q, %s) fell back to the slow path", tt.in, tt.region)
		}
	}
}

// TestCompiledValidityMatchesIsValidNumber compares the compiled validator
// with phonenumbers.IsValidNumber for every geographic country calling
// code, on each region's example numbers and on variants of them (cut,
// extended, one digit changed, random tails) and random numbers.
func TestCompiledValidityMatchesIsValidNumber(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var checked, valid, codes int
	check := func(cc int32, nsn string) {
		if nsn == "" || nsn[0] == '0' || len(nsn) > 17 {
			return
		}
		v := validatorFor(cc)
		nn, err := strconv.ParseUint(nsn, 10, 64)
		if err != nil {
			t.Fatalf("bad test number %q: %v", nsn, err)
		}
		p := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &nn}
		want := phonenumbers.IsValidNumber(p)
		if got := v.valid([]byte(nsn)); got != want {
			t.Errorf("+%d %s: compiled validator says %v, IsValidNumber %v", cc, nsn, got, want)
		}
		checked++
		if want {
			valid++
		}
	}
	randomDigits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		return string(b)
	}
	for cc := int32(1); cc < 1000; cc++ {
		regions := phonenumbers.GetRegionCodesForCountryCode(int(cc))
		if len(regions) == 0 {
			continue
		}
		if validatorFor(cc) == nil {
			if regions[0] != phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY {
				t.Errorf("+%d (%v): no compiled validator for a geographic code", cc, regions)
			}
			continue
		}
		codes++
		for _, region := range regions {
			md := metadataForRegion(region)
			for _, d := range []*phonenumbers.PhoneNumberDesc{
				md.GetGeneralDesc(), md.GetFixedLine(), md.GetMobile(), md.GetPremiumRate(),
				md.GetTollFree(), md.GetSharedCost(), md.GetVoip(), md.GetPersonalNumber(),
				md.GetPager(), md.GetUan(), md.GetVoicemail(),
			} {
				ex := d.GetExampleNumber()
				if ex == "" {
					continue
				}
				check(cc, ex)
				for cut := 1; cut <= 3 && cut < len(ex); cut++ {
					check(cc, ex[:len(ex)-cut])
				}
				for extra := 1; extra <= 3; extra++ {
					check(cc, ex+randomDigits(extra))
				}
				for i := range len(ex) {
					b := []byte(ex)
					b[i] = '0' + (b[i]-'0'+byte(1+rng.IntN(9)))%10
					check(cc, string(b))
				}
				for range 10 {
					keep := 1 + rng.IntN(min(4, len(ex)))
					check(cc, ex[:keep]+randomDigits(max(0, len(ex)-keep+rng.IntN(3)-1)))
				}
			}
		}
		for range 20 {
			check(cc, strconv.Itoa(1+rng.IntN(9))+randomDigits(3+rng.IntN(12)))
		}
	}
	if codes < 200 || valid < 2000 || checked-valid < 2000 {
		t.Fatalf("too little coverage: %d codes, %d numbers, %d valid", codes, checked, valid)
	}
	t.Logf("%d country codes, %d numbers, %d valid", codes, checked, valid)
}

// FuzzFastE164MatchesSlowPathRegions is FuzzFastE164MatchesSlowPath over
// several default regions (national prefixes 0, 1 and 8; shared codes).
func FuzzFastE164MatchesSlowPathRegions(f *testing.F) {
	regions := []string{"ZA", "GB", "US", "NG", "KE", "IN", "BR", "DE", "RU", "IT", "CA", "JE"}
	for i, s := range []string{"082 123 4567", "07911 123456", "1 202 555 0187", "0803 123 4567",
		"0712 345678", "+91 98765 43210", "(11) 91234-5678", "+49 1512 3456789", "8 495 123 4567",
		"+39 312 345 6789", "+1 416 555 0123", "07797 123456"} {
		f.Add(uint8(i), s)
	}
	f.Fuzz(func(t *testing.T, ri uint8, in string) {
		region := regions[int(ri)%len(regions)]
		fast, ok := fastE164ForRegion(in, region)
		if !ok {
			return
		}
		if slow := slowE164(in, region); slow != fast {
			t.Fatalf("fast %q != slow %q for %q in %s", fast, slow, in, region)
		}
	})
}
