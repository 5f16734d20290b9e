package ledger

import "strings"

// AudienceDigestSep ends the part of a derived audience id that names its
// run; what follows tells one decision on its contacts from another.
const AudienceDigestSep = "#"

// SameAudiences reports whether two runs' audiences are the same for
// MatchAudiences: equal ids, where a derived audience's digest (after
// AudienceDigestSep) does not count: a retry that decided on other
// contacts is still the same run, and finds the earlier attempt's run.
func SameAudiences(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if stem(a[i]) != stem(b[i]) {
			return false
		}
	}
	return true
}

func stem(id string) string {
	if i := strings.LastIndex(id, AudienceDigestSep); i >= 0 {
		return id[:i]
	}
	return id
}
