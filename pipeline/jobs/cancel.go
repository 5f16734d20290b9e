package jobs

import "github.com/campaignflow/campaignflow/pipeline/ids"

// cancelKeyPrefix is the key prefix of cancel markers: cancelled.<promoId>.
const cancelKeyPrefix = "cancelled."

// CancelKey is the key of a promo's cancel marker.
func CancelKey(promoID string) string { return cancelKeyPrefix + ids.Token(promoID) }

// Cancelled is the JSON value under CancelKey: a schedule-cancelled for the
// promo was published at At. A send-promo published at or before At stores
// no schedule, whichever of the two is handled first (events are handled in
// parallel, and a send-promo waits for its template's approval before it
// stores its schedule).
type Cancelled struct {
	At Time `json:"at"`
}
