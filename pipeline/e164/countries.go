package e164

import (
	"sync/atomic"

	"github.com/nyaruka/phonenumbers"
)

// countryInfo is what the fast path needs of a country calling code.
type countryInfo struct {
	region    string            // its main region; phonenumbers.UNKNOWN_REGION for an unassigned code
	rule      *parseRule        // the main region's parsing rules (nil: no fast path)
	validator *countryValidator // nil: phonenumbers.IsValidNumber decides
}

// countries holds the countryInfo of each code from 1 to 999, built on
// first use: a number costs array reads instead of phonenumbers' map
// lookups and sync.Map loads.
var countries [1000]atomic.Pointer[countryInfo]

var noCountry = &countryInfo{region: phonenumbers.UNKNOWN_REGION}

func countryFor(cc int) *countryInfo {
	if cc <= 0 || cc >= len(countries) {
		return noCountry
	}
	if c := countries[cc].Load(); c != nil {
		return c
	}
	c := &countryInfo{region: phonenumbers.GetRegionCodeForCountryCode(cc)}
	if c.region != phonenumbers.UNKNOWN_REGION {
		c.rule = parseRuleFor(c.region)
		c.validator = compileCountry(int32(cc))
	}
	countries[cc].Store(c) // goroutines racing here build the same answer
	return c
}

// validatorFor returns the compiled validator for a country calling code,
// or nil when the number must go through phonenumbers.IsValidNumber.
func validatorFor(cc int32) *countryValidator { return countryFor(int(cc)).validator }
