package e164

import (
	"fmt"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// Mapper turns phone numbers in any common notation into E.164,
// reading numbers without a country code as numbers of DefaultRegion.
type Mapper struct {
	DefaultRegion string // ISO 3166 region like "ZA"
}

// E164 returns n as E.164 (+27821234567) or an error saying why not.
func (m Mapper) E164(n string) (string, error) {
	var buf [1 + maxE164Digits]byte
	out, err := m.AppendE164(buf[:0], n)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// AppendE164 appends n as E.164 to dst (dst as it was on an error): a
// caller with many numbers makes them one string, one allocation.
func (m Mapper) AppendE164(dst []byte, n string) ([]byte, error) {
	n = strings.TrimSpace(n)
	if n == "" {
		return dst, fmt.Errorf("number is empty")
	}
	region := m.DefaultRegion
	rp := prefixesFor(region)
	if out, ok := appendFastE164(dst, n, region, rp.countryCode, rp.nationalPrefix); ok {
		return out, nil
	}
	if strings.HasPrefix(n, "00") {
		n = "+" + n[2:]
	}
	p, err := phonenumbers.Parse(n, region)
	if err != nil {
		if region == "" && !strings.HasPrefix(n, "+") {
			return dst, fmt.Errorf("not a phone number: no country code and no default region configured")
		}
		return dst, fmt.Errorf("not a phone number: %v", err)
	}
	if !phonenumbers.IsValidNumber(p) {
		if strings.HasPrefix(n, "+") {
			return dst, fmt.Errorf("not a valid number for country code +%d (no such number range)", p.GetCountryCode())
		}
		return dst, fmt.Errorf("not a valid number for region %s%s", region, orDefault(region))
	}
	out := phonenumbers.Format(p, phonenumbers.E164)
	if len(out) > 1+maxE164Digits {
		// libphonenumber accepts some national numbers with leading zeros
		// (e.g. Japanese 0078...) that make more digits than E.164 allows.
		return dst, fmt.Errorf("not a phone number: %d digits with country code, E.164 allows at most %d", len(out)-1, maxE164Digits)
	}
	return append(dst, out...), nil
}

// maxE164Digits is the most digits an E.164 number has (ITU-T E.164).
const maxE164Digits = 15

// regionPrefixes are a region's country calling code and national
// (trunk) prefix, as libphonenumber gives them.
type regionPrefixes struct {
	countryCode    int
	nationalPrefix string
}

// regionPrefixCache maps a region to its regionPrefixes; looking them up in
// phonenumbers costs map reads and a string replace per number.
var regionPrefixCache sync.Map

func prefixesFor(region string) regionPrefixes {
	if rp, ok := regionPrefixCache.Load(region); ok {
		return rp.(regionPrefixes)
	}
	rp := regionPrefixes{
		countryCode:    phonenumbers.GetCountryCodeForRegion(region),
		nationalPrefix: phonenumbers.GetNddPrefixForRegion(region, true),
	}
	regionPrefixCache.Store(region, rp)
	return rp
}

func orDefault(region string) string {
	if region == "" {
		return ""
	}
	return " (the default region; write numbers of other countries with +<country code>)"
}
