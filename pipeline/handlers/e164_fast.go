package handlers

import (
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// fastE164 handles the common shapes without phonenumbers.Parse (whose
// regexes dominate CSV ingest time): digits with spaces, dashes, dots or
// parentheses, either "+<country code><number>" or "<national prefix>
// <number>" of the default region. It returns ok only when libphonenumber
// says the number is valid; anything else goes the slow, complete way.
func fastE164(raw, region string, regionCC int, nddPrefix string) (string, bool) {
	if len(raw) > 64 {
		return "", false // libphonenumber refuses very long input; let it say so
	}
	var b [20]byte
	n, plus := 0, false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(b) {
				return "", false
			}
			b[n] = c
			n++
		case c == '+' && n == 0 && !plus:
			plus = true
		case c == ' ' || c == '-' || c == '(' || c == ')' || c == '.':
		default:
			return "", false
		}
	}
	digits := string(b[:n])
	var cc int
	var national string
	switch {
	case plus && len(digits) > 0 && digits[0] != '0':
		for l := 1; l <= 3 && l < len(digits); l++ {
			v, _ := strconv.Atoi(digits[:l])
			if phonenumbers.GetRegionCodeForCountryCode(v) != phonenumbers.UNKNOWN_REGION {
				cc, national = v, digits[l:]
				break
			}
		}
	case !plus && region != "" && nddPrefix != "" && strings.HasPrefix(digits, nddPrefix):
		cc, national = regionCC, digits[len(nddPrefix):]
	}
	if cc == 0 || len(national) < 4 || national[0] == '0' {
		return "", false
	}
	nn, err := strconv.ParseUint(national, 10, 64)
	if err != nil {
		return "", false
	}
	cc32 := int32(cc)
	p := &phonenumbers.PhoneNumber{CountryCode: &cc32, NationalNumber: &nn}
	if !phonenumbers.IsValidNumber(p) {
		return "", false
	}
	return "+" + strconv.Itoa(cc) + national, true
}
