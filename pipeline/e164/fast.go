package e164

import (
	"strconv"

	"github.com/nyaruka/phonenumbers"
)

// fastE164 handles the common shapes without phonenumbers.Parse (whose
// regexes dominate CSV ingest time): digits with spaces, dashes, dots or
// parentheses, either "+<country code><number>" or "<national prefix>
// <number>" of the default region. It returns ok only when libphonenumber
// would say the number is valid (decided by the compiled patterns of
// e164_valid.go, or phonenumbers.IsValidNumber where those are not built);
// anything else goes the slow, complete way.
func fastE164(raw, region string, regionCC int, nddPrefix string) (string, bool) {
	var out [1 + maxE164Digits]byte
	b, ok := appendFastE164(out[:0], raw, region, regionCC, nddPrefix)
	return string(b), ok
}

// appendFastE164 is fastE164 appending the number to dst (dst as it was
// when not ok).
func appendFastE164(dst []byte, raw, region string, regionCC int, nddPrefix string) ([]byte, bool) {
	if len(raw) > 64 {
		return dst, false // libphonenumber refuses very long input; let it say so
	}
	// The digits go to buf[off:], leaving room in front to write
	// "+<country code>" so the result is one copy.
	const off, maxDigits = 4, 20
	var buf [off + maxDigits]byte
	n, plus := 0, false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c >= '0' && c <= '9':
			if n == maxDigits {
				return dst, false
			}
			buf[off+n] = c
			n++
		case c == '+' && n == 0 && !plus:
			plus = true
		case c == ' ' || c == '-' || c == '(' || c == ')' || c == '.':
		default:
			return dst, false
		}
	}
	digits := buf[off : off+n]
	cc, start := 0, 0 // start: index in buf where the national number begins
	switch {
	case plus && n > 0 && digits[0] != '0':
		v := 0
		for l := 1; l <= 3 && l < n; l++ {
			v = v*10 + int(digits[l-1]-'0')
			if c := countryFor(v); c.region != phonenumbers.UNKNOWN_REGION {
				// Parse strips a national prefix after the country code too.
				if c.rule != nil && c.rule.keepsInternational(digits[l:]) {
					cc, start = v, off+l
				}
				break
			}
		}
	case !plus && region != "" && nddPrefix != "" && n >= len(nddPrefix) && string(digits[:len(nddPrefix)]) == nddPrefix:
		if rule := parseRuleFor(region); rule != nil && rule.countryCodeInt == regionCC {
			if rule.stripsPrefix(digits, len(nddPrefix)) {
				cc, start = regionCC, off+len(nddPrefix)
			}
		}
	}
	national := buf[start : off+n] // the national significant number
	if cc <= 0 || cc > 999 || len(national) < 4 || national[0] == '0' {
		return dst, false
	}
	if v := countryFor(cc).validator; v != nil {
		if !v.valid(national) {
			return dst, false
		}
	} else if !validByLibrary(cc, national) {
		return dst, false
	}
	var ccBuf [3]byte
	ccDigits := strconv.AppendInt(ccBuf[:0], int64(cc), 10)
	pos := start - 1 - len(ccDigits) // >= 0: start >= off+1 and len(ccDigits) <= 3 = off-1
	buf[pos] = '+'
	copy(buf[pos+1:], ccDigits)
	return append(dst, buf[pos:off+n]...), true
}

// validByLibrary is phonenumbers.IsValidNumber for +<cc><nsn>, for the
// codes without a compiled validator.
func validByLibrary(cc int, nsn []byte) bool {
	nn, err := strconv.ParseUint(string(nsn), 10, 64)
	if err != nil {
		return false
	}
	cc32 := int32(cc)
	return phonenumbers.IsValidNumber(&phonenumbers.PhoneNumber{CountryCode: &cc32, NationalNumber: &nn})
}
