package events

// ScheduleCancelled is schedule-cancelled: forget a promo's cron schedule.
type ScheduleCancelled struct {
	EventID string `json:"event_id,omitempty"`
	PromoID string `json:"promo_id"`
}

// Validate returns every problem of the event.
func (e *ScheduleCancelled) Validate() error {
	p := &problems{event: TypeScheduleCancelled}
	p.eventID(e.EventID)
	p.id("promo_id", e.PromoID)
	return p.err()
}

// ID is the event's own id (event_id; "" when the body has none).
func (e *ScheduleCancelled) ID() string { return e.EventID }
