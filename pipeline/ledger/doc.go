// Package ledger is campaignflow's idempotency ledger in NATS KV (bucket
// campaignflow_ledger). Every non-idempotent Chat Inc effect (create a
// promo's campaign, run it at a time) goes through it: record the intent
// (create-if-absent, with a short claim), call Chat Inc, record the outcome
// (compare-and-set on the revision). An intent found without an outcome (a
// crash between call and record, a redelivery, an ambiguous answer) is
// reconciled against Chat Inc before calling again, so one promo id makes one
// campaign and one run per requested time, ever.
package ledger
