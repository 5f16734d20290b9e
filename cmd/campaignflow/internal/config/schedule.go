package config

import "github.com/campaignflow/campaignflow/pipeline/scheduler"

// Schedule is one entry of `schedules:`; the scheduler owns its type and
// rules (scheduler.ConfigJob.Problems).
type Schedule = scheduler.ConfigJob
