// Package handlers turns campaignflow's four inbound events into Chat Inc
// effects: customer-segment-updated and audience-file-uploaded merge
// contacts (E.164, per-row error reports) into audiences and variable
// groups; send-promo creates the promo's campaign once through the ledger,
// waits for template approval, then runs it now, at a time, or stores its
// cron schedule for the scheduler; schedule-cancelled removes that schedule.
package handlers
