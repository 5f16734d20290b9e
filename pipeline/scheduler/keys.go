package scheduler

import (
	"strconv"
	"time"
)

// Keys in the leases bucket.
const (
	// LeaderKey holds the leader lease: {"replica": id, "expires": RFC 3339}.
	LeaderKey = "leader"
)

// tickKey is the slot a replica claims (create-if-absent) before running a tick.
func tickKey(jobID string, at time.Time) string {
	return "tick." + jobID + "." + strconv.FormatInt(at.Unix(), 10)
}

// lastKey holds the latest claimed tick of a job (for catch-up).
func lastKey(jobID string) string { return "last." + jobID }

// outcomeKey holds the outcome of a job's latest finished tick.
func outcomeKey(jobID string) string { return "outcome." + jobID }
