package scheduler

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/cronspec"
)

// ConfigJob is one entry of `schedules:` in the config file: a configured
// cron job that runs a promo or a campaign. Exactly one of PromoID and
// CampaignID is set. The scheduler owns the type and its rules (Problems), so
// `campaignflow validate` and the scheduler judge a job alike.
type ConfigJob struct {
	Name       string   `koanf:"name" json:"name" yaml:"name"`
	PromoID    string   `koanf:"promo_id" json:"promo_id,omitempty" yaml:"promo_id,omitempty"`
	CampaignID string   `koanf:"campaign_id" json:"campaign_id,omitempty" yaml:"campaign_id,omitempty"`
	Audiences  []string `koanf:"audiences" json:"audiences,omitempty" yaml:"audiences,omitempty"`
	Cron       string   `koanf:"cron" json:"cron" yaml:"cron"`
	TimeZone   string   `koanf:"time_zone" json:"time_zone,omitempty" yaml:"time_zone,omitempty"`
	CatchUp    string   `koanf:"catch_up" json:"catch_up,omitempty" yaml:"catch_up,omitempty"`
}

// scheduleName is what a job name may contain: it becomes part of KV keys.
var scheduleName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// ConfigProblem is one problem of a config job: the field ("" for the whole job)
// and what is wrong.
type ConfigProblem struct{ Field, Reason string }

// Problems lists every problem of the job (validation prints them all). The cron is checked with the
// parser the scheduler registers jobs with (cronspec).
func (c ConfigJob) Problems(now time.Time) []ConfigProblem {
	var out []ConfigProblem
	add := func(field, format string, args ...any) {
		out = append(out, ConfigProblem{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	switch {
	case c.Name == "":
		add("name", "required")
	case !scheduleName.MatchString(c.Name):
		add("name", "%q must be letters, digits, _ or - (it is used in NATS KV keys)", c.Name)
	}
	if (c.PromoID == "") == (c.CampaignID == "") {
		add("", "set exactly one of promo_id or campaign_id")
	}
	if c.CampaignID != "" && len(c.Audiences) == 0 {
		add("audiences", "required to run campaign %q (or [\"all\"])", c.CampaignID)
	}
	zone := c.TimeZone
	if _, err := cronspec.Zone(zone); errors.Is(err, cronspec.ErrLocalZone) {
		add("time_zone", "%v", err)
		zone = ""
	} else if err != nil {
		add("time_zone", "%q is not a known time zone (e.g. Africa/Johannesburg)", zone)
		zone = ""
	}
	if _, err := cronspec.Parse(c.Cron, zone, now); err != nil {
		add("cron", "%s", strings.TrimPrefix(strings.TrimPrefix(err.Error(), "cronspec: "), "cron "))
	}
	if c.CatchUp != "" && c.CatchUp != CatchUpOnce && c.CatchUp != CatchUpSkip {
		add("catch_up", "%q must be once or skip", c.CatchUp)
	}
	return out
}

// Validate is the first of Problems as an error naming the job and field.
func (c ConfigJob) Validate() error {
	ps := c.Problems(time.Now())
	if len(ps) == 0 {
		return nil
	}
	where := fmt.Sprintf("schedules[%s]", c.Name)
	if ps[0].Field != "" {
		where += "." + ps[0].Field
	}
	return errors.New(where + ": " + ps[0].Reason)
}
