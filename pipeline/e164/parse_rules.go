package e164

import (
	"regexp"
	"strconv"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// This file holds what phonenumbers.Parse would do with the digits fastE164
// reads, per region, so fastE164 only answers when Parse would read the
// same country code and national number: Parse strips a national prefix
// by the region's national-prefix-for-parsing pattern (not always the bare
// prefix), keeps it when the rest has no possible length for the region,
// and reads an international (IDD) prefix or the region's own country code
// at the start of a national number.

// prefixRule matches a metadata pattern at the start of a number: a plain
// string compare when the pattern is just digits, else the pattern (its
// automaton; the regex where the match's extent and groups matter).
type prefixRule struct {
	literal string
	re      *regexp.Regexp
	pattern *digitPattern
}

func newPrefixRule(pattern string) (*prefixRule, bool) {
	if pattern == "" {
		return nil, true
	}
	if allDigits(pattern) {
		return &prefixRule{literal: pattern}, true
	}
	pat, err := compilePattern(pattern, false)
	if err != nil {
		return nil, false
	}
	return &prefixRule{re: pat.re, pattern: pat}, true
}

func (p *prefixRule) matches(b []byte) bool {
	if p == nil {
		return false
	}
	if p.re == nil {
		return len(b) >= len(p.literal) && string(b[:len(p.literal)]) == p.literal
	}
	return p.pattern.matches(b)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseRule is one region's parsing metadata, compiled.
type parseRule struct {
	countryCode       string // decimal
	countryCodeInt    int
	mainRegion        bool // the region Parse picks for its country code
	nationalPrefix    *prefixRule
	transformRule     bool
	internationalPref *prefixRule
	general           compiledDesc
	localOnlyLengths  []int32
	// onlyRegion: the region is the only one of its country code, so a
	// number valid for the code matches this general desc (no need to
	// check it twice).
	onlyRegion bool
}

// stripsPrefix reports that Parse, given digits (no plus) in this default
// region, reads the default country code and the national number
// digits[prefixLen:], provided that number is then valid (fastE164 checks
// that and answers nothing otherwise).
func (r *parseRule) stripsPrefix(digits []byte, prefixLen int) bool {
	if r.internationalPref.matches(digits) || r.nationalPrefix == nil {
		return false // read as an international number, or never stripped
	}
	var end int
	if r.nationalPrefix.re == nil {
		if !r.nationalPrefix.matches(digits) {
			return false
		}
		end = len(r.nationalPrefix.literal)
	} else {
		m := r.nationalPrefix.re.FindStringSubmatchIndex(string(digits))
		if m == nil || (r.transformRule && m[len(m)-2] >= 0) {
			return false
		}
		end = m[1]
	}
	if end != prefixLen {
		return false
	}
	national := digits[end:]
	// Parse keeps the prefix unless the rest has a possible length, and
	// the viability check keeps it when only the original matches; a rest
	// matching the general desc passes both.
	if containsLength(r.localOnlyLengths, len(national)) ||
		(!r.onlyRegion && !r.general.matches(national)) {
		return false
	}
	if len(digits) >= len(r.countryCode) && string(digits[:len(r.countryCode)]) == r.countryCode {
		// Parse may read these digits as the region's own country code
		// plus national number; that gives the same national number only
		// when the national prefix is the country code and nothing more
		// is stripped from the rest.
		if !r.mainRegion || string(digits[:end]) != r.countryCode || r.nationalPrefix.matches(national) {
			return false
		}
	}
	return true
}

// keepsInternational reports that Parse, reading +<cc><national> with this
// (main) region's metadata, keeps national as is: its national prefix
// pattern does not match there.
func (r *parseRule) keepsInternational(national []byte) bool {
	return !r.nationalPrefix.matches(national)
}

func containsLength(ls []int32, n int) bool {
	for _, l := range ls {
		if int(l) == n {
			return true
		}
	}
	return false
}

// parseRules maps a region code to its *parseRule (nil: no fast path).
var parseRules sync.Map

func parseRuleFor(region string) *parseRule {
	if r, ok := parseRules.Load(region); ok {
		return r.(*parseRule)
	}
	r := compileParseRule(region)
	parseRules.Store(region, r)
	return r
}

func compileParseRule(region string) *parseRule {
	if !phonenumbers.GetSupportedRegions()[region] {
		return nil
	}
	md := metadataForRegion(region)
	if md == nil || md.GetGeneralDesc() == nil {
		return nil
	}
	gd := md.GetGeneralDesc()
	if len(gd.GetPossibleLength()) == 0 || gd.GetPossibleLength()[0] == -1 {
		return nil
	}
	re, err := compilePattern(gd.GetNationalNumberPattern(), true)
	if err != nil {
		return nil
	}
	cc := int(md.GetCountryCode())
	r := &parseRule{
		countryCode:      strconv.Itoa(cc),
		countryCodeInt:   cc,
		mainRegion:       phonenumbers.GetRegionCodeForCountryCode(cc) == region,
		transformRule:    md.GetNationalPrefixTransformRule() != "",
		general:          compiledDesc{lengths: gd.GetPossibleLength(), re: re},
		localOnlyLengths: gd.GetPossibleLengthLocalOnly(),
		onlyRegion:       len(phonenumbers.GetRegionCodesForCountryCode(cc)) == 1,
	}
	var ok bool
	if r.nationalPrefix, ok = newPrefixRule(md.GetNationalPrefixForParsing()); !ok {
		return nil
	}
	if r.internationalPref, ok = newPrefixRule(md.GetInternationalPrefix()); !ok {
		return nil
	}
	return r
}
