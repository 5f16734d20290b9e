package scheduler

import "fmt"

// Catch-up policies for ticks missed while no replica was leader.
const (
	CatchUpOnce = "once" // run the latest missed tick when a replica becomes leader
	CatchUpSkip = "skip" // wait for the next tick (the default)
)

func validCatchUp(s string) (string, error) {
	switch s {
	case "", CatchUpSkip:
		return CatchUpSkip, nil
	case CatchUpOnce:
		return CatchUpOnce, nil
	}
	return "", fmt.Errorf("catch_up %q: use %q or %q", s, CatchUpOnce, CatchUpSkip)
}

// configSpec validates c (ConfigJob.Validate) and converts it to the
// scheduler's job form.
func configSpec(c ConfigJob) (jobSpec, error) {
	if err := c.Validate(); err != nil {
		return jobSpec{}, fmt.Errorf("scheduler: %w", err)
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
