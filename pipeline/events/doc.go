// Package events owns the four inbound event types of campaignflow's
// contract (customer-segment-updated, audience-file-uploaded, send-promo,
// schedule-cancelled) and their checks: Decode turns a body into its typed,
// validated value (the router's one decode), Parse does it for a type known
// only at run time (publish, validate).
package events

// Event type names: the last token of the subject chatinc.events.<type> and
// the CloudEvents type.
const (
	TypeSegmentUpdated       = "customer-segment-updated"
	TypeAudienceFileUploaded = "audience-file-uploaded"
	TypeSendPromo            = "send-promo"
	TypeScheduleCancelled    = "schedule-cancelled"
)

// Types lists every event type campaignflow consumes.
var Types = []string{TypeSegmentUpdated, TypeAudienceFileUploaded, TypeSendPromo, TypeScheduleCancelled}
