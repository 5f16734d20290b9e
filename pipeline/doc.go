// Package pipeline is the worker core: a Message decoded from a JetStream
// event (plain JSON or a CloudEvents envelope, ParseEnvelope), Handler and
// Middleware, a Router that dispatches by event type (HandleEvent registers
// a typed handler whose body is decoded and checked once), and the Runner,
// the one place that turns a handler's result into Ack, NakWithDelay or a
// dead letter plus Term, so handlers never touch acks. It imports neither
// the Chat Inc client nor the handlers: they mark their errors (Validation,
// Permanent, Transient) and the runner acts on the mark.
//
// Subpackages own the rest: events (the event types and their checks), ids
// (the id rules and their encoding in subjects and keys), jobs (the stored
// cron promo), cronspec (the cron rule), e164 (phone numbers), handlers (one
// handler type per event type, and RunStarter, the one path by which a run
// starts), ledger (idempotency), scheduler, results (run info, poll plans,
// polls and snapshots), schemas (JSON Schemas), internal/beat (the renewal
// that keeps claims alive), internal/kvscan (one-pass reads of a KV bucket) and pipelinetest (test helpers). The application around them (the wiring of a worker, config,
// telemetry and benchmarks) lives under cmd/campaignflow/internal, used only
// by the binary.
package pipeline
