package handlers

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// NumberMapper turns phone numbers in any common notation into E.164,
// reading numbers without a country code as numbers of DefaultRegion.
type NumberMapper struct {
	DefaultRegion string // ISO 3166 region like "ZA"
}

// E164 returns n as E.164 (+27821234567) or an error saying why not.
func (m NumberMapper) E164(n string) (string, error) {
	n = strings.TrimSpace(n)
	if n == "" {
		return "", fmt.Errorf("number is empty")
	}
	region := m.DefaultRegion
	if out, ok := fastE164(n, region, phonenumbers.GetCountryCodeForRegion(region), phonenumbers.GetNddPrefixForRegion(region, true)); ok {
		return out, nil
	}
	if strings.HasPrefix(n, "00") {
		n = "+" + n[2:]
	}
	p, err := phonenumbers.Parse(n, region)
	if err != nil {
		if region == "" && !strings.HasPrefix(n, "+") {
			return "", fmt.Errorf("not a phone number: no country code and no default region configured")
		}
		return "", fmt.Errorf("not a phone number: %v", err)
	}
	if !phonenumbers.IsValidNumber(p) {
		if strings.HasPrefix(n, "+") {
			return "", fmt.Errorf("not a valid number for country code +%d (no such number range)", p.GetCountryCode())
		}
		return "", fmt.Errorf("not a valid number for region %s%s", region, orDefault(region))
	}
	return phonenumbers.Format(p, phonenumbers.E164), nil
}

func orDefault(region string) string {
	if region == "" {
		return ""
	}
	return " (the default region; write numbers of other countries with +<country code>)"
}
