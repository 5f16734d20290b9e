package scheduler

import (
	"errors"

	"github.com/campaignflow/campaignflow/pipeline/jobs"
)

// Buckets names the KV buckets the scheduler uses (sources.Names has them).
type Buckets struct {
	Jobs   string // persisted schedules and poll plans: campaignflow_jobs
	Leases string // leader lease, tick claims, last tick, last outcome: campaignflow_leases
}

// DefaultBuckets are the contract's default names.
var DefaultBuckets = Buckets{Jobs: jobs.Bucket, Leases: "campaignflow_leases"}

func (b Buckets) validate() error {
	if b.Jobs == "" || b.Leases == "" {
		return errors.New("scheduler: bucket names are empty; pass Buckets{Jobs, Leases} (defaults campaignflow_jobs, campaignflow_leases)")
	}
	return nil
}
