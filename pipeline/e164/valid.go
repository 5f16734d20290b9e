package e164

import (
	"slices"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// This file decides phonenumbers.IsValidNumber for a number given as a
// country calling code plus national significant number, with the regexes
// compiled once per country calling code. libphonenumber itself rebuilds
// every pattern string ("^(?:" + pattern + ")$") and looks it up in a
// mutex-guarded map twice per number type on every call, which was a third
// of CSV ingest CPU. The logic mirrors phonenumbers v1.8.1
// (GetRegionCodeForNumber, IsValidNumberForRegion, getNumberTypeHelper,
// isNumberMatchingDesc) over the very same metadata objects; whenever the
// metadata has a shape that code does not expect, the compiled validator
// is not built and callers use phonenumbers.IsValidNumber.

// compiledDesc is one PhoneNumberDesc: its possible lengths and its national
// number pattern, anchored the way isNumberMatchingDesc anchors it.
type compiledDesc struct {
	lengths []int32
	re      *digitPattern
}

// matches is isNumberMatchingDesc: the length is possible and the whole
// number matches the pattern (libphonenumber checks the same regex twice).
func (d *compiledDesc) matches(nsn []byte) bool {
	if len(d.lengths) > 0 && !slices.Contains(d.lengths, int32(len(nsn))) {
		return false
	}
	return d.re.matches(nsn)
}

// compiledRegion holds one region's metadata as compiled regexes.
type compiledRegion struct {
	countryCode int32
	leading     *digitPattern // nil when the metadata has no leading digits
	general     compiledDesc
	fixedLine   compiledDesc
	mobile      compiledDesc
	// others are premium rate, toll free, shared cost, VoIP, personal
	// number, pager, UAN and voicemail; any match makes a number valid.
	others             []compiledDesc
	sameMobileAndFixed bool
}

// valid is getNumberTypeHelper(nsn) != UNKNOWN. That helper returns a known
// type when the general desc matches and then any of the specific types
// matches (mobile counting only when its pattern differs from fixed line),
// so the order of the checks does not change the verdict; the common
// mobile and fixed line checks go first.
func (r *compiledRegion) valid(nsn []byte) bool {
	if !r.general.matches(nsn) {
		return false
	}
	if !r.sameMobileAndFixed && r.mobile.matches(nsn) {
		return true
	}
	if r.fixedLine.matches(nsn) {
		return true
	}
	for i := range r.others {
		if r.others[i].matches(nsn) {
			return true
		}
	}
	return false
}

// countryValidator is IsValidNumber for one country calling code: its
// regions in libphonenumber's order (the main region first).
type countryValidator struct {
	countryCode int32
	regions     []*compiledRegion
}

// valid reports phonenumbers.IsValidNumber for +<countryCode><nsn>, where
// nsn has no leading zero.
func (v *countryValidator) valid(nsn []byte) bool {
	// GetRegionCodeForNumber: the only region, or the first region whose
	// leading digits match (or, lacking those, whose patterns match).
	var region *compiledRegion
	if len(v.regions) == 1 {
		region = v.regions[0]
	} else {
		for _, r := range v.regions {
			if r.leading != nil {
				if r.leading.matches(nsn) {
					region = r
					break
				}
			} else if r.valid(nsn) {
				region = r
				break
			}
		}
	}
	// IsValidNumberForRegion: no region found, or a region of another
	// country calling code, is invalid.
	if region == nil || region.countryCode != v.countryCode {
		return false
	}
	return region.valid(nsn)
}

var (
	regionMetadataOnce sync.Once
	regionMetadata     map[string]*phonenumbers.PhoneMetadata
)

// metadataForRegion returns the metadata phonenumbers uses for region: the
// same objects its container holds, taken from the embedded collection the
// container was built from (the last entry for an id wins, as there).
func metadataForRegion(region string) *phonenumbers.PhoneMetadata {
	regionMetadataOnce.Do(func() {
		regionMetadata = map[string]*phonenumbers.PhoneMetadata{}
		coll, err := phonenumbers.MetadataCollection()
		if err != nil {
			return // every lookup misses; callers fall back to phonenumbers
		}
		for _, md := range coll.GetMetadata() {
			if id := md.GetId(); id != phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY {
				regionMetadata[id] = md
			}
		}
	})
	return regionMetadata[region]
}

// compileCountry builds the validator for cc; nil for unknown and
// non-geographical codes and for metadata this port does not cover.
func compileCountry(cc int32) *countryValidator {
	regions := phonenumbers.GetRegionCodesForCountryCode(int(cc))
	if len(regions) == 0 {
		return nil
	}
	v := &countryValidator{countryCode: cc}
	for _, region := range regions {
		if region == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY ||
			!phonenumbers.GetSupportedRegions()[region] {
			return nil
		}
		md := metadataForRegion(region)
		if md == nil {
			return nil
		}
		r, ok := compileRegion(md)
		if !ok {
			return nil
		}
		v.regions = append(v.regions, r)
	}
	return v
}

func compileRegion(md *phonenumbers.PhoneMetadata) (*compiledRegion, bool) {
	r := &compiledRegion{
		countryCode:        md.GetCountryCode(),
		sameMobileAndFixed: md.GetSameMobileAndFixedLinePattern(),
	}
	if ld := md.GetLeadingDigits(); ld != "" {
		re, err := compilePattern(ld, false)
		if err != nil {
			return nil, false
		}
		r.leading = re
	}
	descs := []*phonenumbers.PhoneNumberDesc{
		md.GetGeneralDesc(), md.GetFixedLine(), md.GetMobile(),
		md.GetPremiumRate(), md.GetTollFree(), md.GetSharedCost(), md.GetVoip(),
		md.GetPersonalNumber(), md.GetPager(), md.GetUan(), md.GetVoicemail(),
	}
	compiled := make([]compiledDesc, len(descs))
	for i, d := range descs {
		if d == nil {
			return nil, false // phonenumbers would dereference it; let it decide
		}
		re, err := compilePattern(d.GetNationalNumberPattern(), true)
		if err != nil {
			return nil, false
		}
		compiled[i] = compiledDesc{lengths: slices.Clone(d.GetPossibleLength()), re: re}
	}
	r.general, r.fixedLine, r.mobile, r.others = compiled[0], compiled[1], compiled[2], compiled[3:]
	return r, true
}
