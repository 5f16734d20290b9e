// Package pipeline is the worker core: a Message decoded from a JetStream
// event, Handler and Middleware, a Router by event type, and the Runner,
// the one place that turns a handler's result into Ack, NakWithDelay or a
// dead letter plus Term, so handlers never touch acks. Subpackages hold the
// event types, the handlers, the idempotency ledger, the scheduler, result
// polling, configuration, telemetry, the id rules (ids), E.164 numbers (e164), the cron rule (cronspec) and JSON Schemas.
package pipeline
