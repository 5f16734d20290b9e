package scheduler

import (
	"fmt"
	"time"
)

// Job kinds shown by List.
const (
	KindConfig = "config" // from the config file's schedules:
	KindPromo  = "promo"  // from a send-promo event with schedule.cron, stored in KV
)

// jobSpec is a job in the scheduler's own form, whatever its source.
type jobSpec struct {
	ID         string // config: name; promo: "promo.<promoId>" (its KV key)
	Kind       string
	PromoID    string
	CampaignID string
	Audiences  []string
	CronExpr   string
	TimeZone   string
	CatchUp    string
	Until      time.Time // zero: no end
	CreatedAt  time.Time // zero: unknown
	Revision   uint64    // KV revision of a promo job

	cron cronSchedule
}

// compile parses the cron expression; call before use.
func (s *jobSpec) compile(now time.Time) error {
	c, err := parseCron(s.CronExpr, s.TimeZone, now)
	if err != nil {
		return fmt.Errorf("job %s: %w", s.ID, err)
	}
	s.cron = c
	return nil
}

// ended says whether a tick at t is past the job's until.
func (s *jobSpec) ended(t time.Time) bool {
	return !s.Until.IsZero() && t.After(s.Until)
}

// sameSchedule says whether o fires at the same times as s.
func (s jobSpec) sameSchedule(o jobSpec) bool {
	return s.CronExpr == o.CronExpr && s.cron.loc.String() == o.cron.loc.String() && s.Until.Equal(o.Until)
}
