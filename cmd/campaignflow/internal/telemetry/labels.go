package telemetry

import "strings"

// labelValue keeps a label from outside (an event type from a subject, a
// job id) to a bounded alphabet and length, so a bad publisher cannot fill
// the metrics with arbitrary text; empty becomes "unknown".
func labelValue(s string) string {
	if s == "" {
		return "unknown"
	}
	if len(s) > 64 {
		return "invalid"
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:", r)) {
			return "invalid"
		}
	}
	return s
}
