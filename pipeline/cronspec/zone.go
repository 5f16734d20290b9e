package cronspec

import (
	"errors"
	"time"
)

// ErrLocalZone refuses "Local" as a time zone: it is the zone of the
// machine that reads it, so replicas on different hosts (or a container
// without /etc/localtime) would send at different instants.
var ErrLocalZone = errors.New(`"Local" is this machine's zone, which other replicas may not share; give an IANA name such as Africa/Johannesburg, or UTC`)

// Zone loads an IANA time zone by name ("" is UTC). "Local" is refused
// (ErrLocalZone); every schedule, quiet-hours and default zone is read
// through it, so one rule holds wherever a zone is named.
func Zone(name string) (*time.Location, error) {
	if name == "Local" {
		return nil, ErrLocalZone
	}
	return time.LoadLocation(name)
}
