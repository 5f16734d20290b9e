// Package handlers owns what campaignflow does with its four inbound
// events, one handler type per event type, each holding only what it needs:
// SegmentHandler (customer-segment-updated) and FileHandler
// (audience-file-uploaded) merge contacts (E.164, per-row ingest reports)
// into audiences and variable groups; PromoHandler (send-promo) creates the
// promo's campaign once through the ledger, waits for template approval,
// then runs it now, at a time, or stores its cron schedule for the
// scheduler (whose ticks come back as RunPromo); CancelHandler
// (schedule-cancelled) removes that schedule. Set registers them typed with
// the router. RunStarter is the one path by which a run starts (promo runs,
// cron ticks, configured campaigns' ticks): once through the ledger, its
// poll plan handed to the observer before the ledger says done. ImportCSV
// is the file handler without the bus (campaignflow import).
package handlers
