// Package ids owns the rules for the ids that travel with events
// (Nats-Msg-Id, event_id, promo_id, audience and variable-group ids): what
// an id may hold, and how an id is written into a NATS subject token or a KV
// key so that any allowed id is one valid token.
//
// An id is at most MaxLen bytes of printable ASCII without spaces
// (0x21-0x7E). Token escapes every byte outside [A-Za-z0-9_-/] as "=XX" (upper-case
// hex), so ids that were already safe keep their old keys, and the encoding
// is reversible (Untoken).
package ids
