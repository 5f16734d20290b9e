package scheduler

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/campaignflow/campaignflow/pipeline/cronspec"
)

// Catch-up policies for ticks missed while no replica was leader.
const (
	CatchUpOnce = "once" // run the latest missed tick when a replica becomes leader
	CatchUpSkip = "skip" // wait for the next tick (the default)
)

// ConfigJob is one entry of `schedules:` in the config file. Exactly one of
// PromoID and CampaignID is set.
type ConfigJob struct {
	Name       string   `koanf:"name" json:"name" yaml:"name"`
	PromoID    string   `koanf:"promo_id" json:"promo_id,omitempty" yaml:"promo_id,omitempty"`
	CampaignID string   `koanf:"campaign_id" json:"campaign_id,omitempty" yaml:"campaign_id,omitempty"`
	Audiences  []string `koanf:"audiences" json:"audiences,omitempty" yaml:"audiences,omitempty"`
	Cron       string   `koanf:"cron" json:"cron" yaml:"cron"`
	TimeZone   string   `koanf:"time_zone" json:"time_zone,omitempty" yaml:"time_zone,omitempty"`
	CatchUp    string   `koanf:"catch_up" json:"catch_up,omitempty" yaml:"catch_up,omitempty"`
}

// idPattern is what a job name may contain: it becomes part of KV keys.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func validCatchUp(s string) (string, error) {
	switch s {
	case "", CatchUpSkip:
		return CatchUpSkip, nil
	case CatchUpOnce:
		return CatchUpOnce, nil
	}
	return "", fmt.Errorf("catch_up %q: use %q or %q", s, CatchUpOnce, CatchUpSkip)
}

// Validate reports the first problem with the job, naming the field.
func (c ConfigJob) Validate() error {
	_, err := c.spec()
	return err
}

// Problem is one problem of a config job: the field ("" for the whole job)
// and what is wrong.
type Problem struct{ Field, Reason string }

// Problems lists every problem of the job (the config file's validation
// prints them all). The cron is checked with the parser the scheduler
// registers jobs with (cronspec).
func (c ConfigJob) Problems(now time.Time) []Problem {
	var out []Problem
	add := func(field, format string, args ...any) {
		out = append(out, Problem{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	switch {
	case c.Name == "":
		add("name", "required")
	case !idPattern.MatchString(c.Name):
		add("name", "%q must be letters, digits, _ or - (it is used in NATS KV keys)", c.Name)
	}
	if (c.PromoID == "") == (c.CampaignID == "") {
		add("", "set exactly one of promo_id or campaign_id")
	}
	if c.CampaignID != "" && len(c.Audiences) == 0 {
		add("audiences", "required to run campaign %q (or [\"all\"])", c.CampaignID)
	}
	zone := c.TimeZone
	if _, err := time.LoadLocation(zone); err != nil {
		add("time_zone", "%q is not a known time zone (e.g. Africa/Johannesburg)", zone)
		zone = ""
	}
	if _, err := cronspec.Parse(c.Cron, zone, now); err != nil {
		add("cron", "%s", strings.TrimPrefix(strings.TrimPrefix(err.Error(), "cronspec: "), "cron "))
	}
	if _, err := validCatchUp(c.CatchUp); err != nil {
		add("catch_up", "%q must be once or skip", c.CatchUp)
	}
	return out
}

// spec validates c and converts it to the scheduler's job form.
func (c ConfigJob) spec() (jobSpec, error) {
	if !idPattern.MatchString(c.Name) {
		return jobSpec{}, fmt.Errorf("scheduler: schedules: name %q must match %s (it is used in NATS KV keys)", c.Name, idPattern)
	}
	where := fmt.Sprintf("scheduler: schedules[%s]", c.Name)
	s := jobSpec{ID: c.Name, Kind: KindConfig, PromoID: c.PromoID, CampaignID: c.CampaignID, Audiences: c.Audiences,
		CronExpr: c.Cron, TimeZone: c.TimeZone}
	switch {
	case c.PromoID == "" && c.CampaignID == "":
		return jobSpec{}, fmt.Errorf("%s: set promo_id or campaign_id", where)
	case c.PromoID != "" && c.CampaignID != "":
		return jobSpec{}, fmt.Errorf("%s: set promo_id or campaign_id, not both", where)
	case c.CampaignID != "" && len(c.Audiences) == 0:
		return jobSpec{}, fmt.Errorf("%s: campaign_id needs audiences (or [\"all\"])", where)
	}
	var err error
	if s.CatchUp, err = validCatchUp(c.CatchUp); err != nil {
		return jobSpec{}, fmt.Errorf("%s: %w", where, err)
	}
	return s, nil
}
