package events

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FrequencyCap limits how often a contact receives capped promos: at most
// Max sends within Per ("7d", "36h", "1d12h") before the run. A capped
// contact is left out of the run's audience and counted in its
// send_report.v1.
type FrequencyCap struct {
	Max int    `json:"max"`
	Per string `json:"per"`
}

// Bounds of a frequency cap.
const (
	MaxCapSends = 1000
	MinCapPer   = time.Hour
	MaxCapPer   = 90 * 24 * time.Hour
)

// PerDuration is the parsed Per (0 when invalid; Validate first).
func (c *FrequencyCap) PerDuration() time.Duration {
	d, err := parsePer(c.Per)
	if err != nil {
		return 0
	}
	return d
}

// parsePer reads a Go duration that may start with whole days: "7d",
// "1d12h", "36h", "90m".
func parsePer(s string) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("is required: a duration like \"7d\" or \"36h\"")
	}
	var days time.Duration
	rest := s
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 || n > 100000 {
			return 0, fmt.Errorf("%q is not a duration like \"7d\", \"1d12h\" or \"36h\" (whole days first)", s)
		}
		days, rest = time.Duration(n)*24*time.Hour, s[i+1:]
	}
	if rest == "" {
		return days, nil
	}
	d, err := time.ParseDuration(rest)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration like \"7d\", \"1d12h\" or \"36h\"", s)
	}
	return days + d, nil
}

func (p *problems) frequencyCap(path string, c *FrequencyCap) {
	if c == nil {
		return
	}
	if c.Max < 1 || c.Max > MaxCapSends {
		p.add(path+".max", "%d must be 1 to %d (sends per contact within per)", c.Max, MaxCapSends)
	}
	d, err := parsePer(c.Per)
	switch {
	case err != nil:
		p.add(path+".per", "%s", err)
	case d < MinCapPer || d > MaxCapPer:
		p.add(path+".per", "%q must be from 1h to 90d", c.Per)
	}
}
