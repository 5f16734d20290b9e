// Package jobs owns what campaignflow keeps in its jobs KV bucket
// (campaignflow_jobs) about cron promos: the record the send-promo handler
// stores under promo.<promoId> and the scheduler registers and runs, its key
// and the JSON form of its times. Handlers, scheduler and the CLI use these
// and nothing else. (Poll plans, the other tenant of the bucket, are owned by
// pipeline/results.)
package jobs
