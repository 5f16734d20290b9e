package handlers

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/events"
)

// allAudiences is the audience id Chat Inc reads as every contact.
const allAudiences = "all"

// checkAudiences makes sure every audience a promo names exists in Chat
// Inc before anything is created for it, so a misspelt audience leaves no
// orphan campaign behind. A missing one is transient (an event creating
// it may still be on its way: events of different types are not ordered)
// and the message says what exists; after max_deliver it is dead-lettered.
// It returns how many contacts the audiences hold together (-1 for "all":
// unknown).
func (h *PromoHandler) checkAudiences(ctx context.Context, ev *events.SendPromo) (int, error) {
	want := slices.DeleteFunc(slices.Clone(ev.Audiences), func(id string) bool { return id == allAudiences })
	if len(want) < len(ev.Audiences) || len(want) == 0 {
		return -1, nil
	}
	have, err := h.client.RetrieveAudiences(ctx)
	if err != nil {
		return 0, classify(fmt.Errorf("handlers: send-promo: promo %s: list audiences: %w", ev.PromoID, err))
	}
	known := make([]string, 0, len(have))
	size := 0
	for _, a := range have {
		known = append(known, a.ID)
		if slices.Contains(want, a.ID) {
			size += a.Size
		}
	}
	var missing []string
	for _, id := range want {
		if !slices.Contains(known, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return size, nil
	}
	slices.Sort(known)
	shown := known
	if len(shown) > 10 {
		shown = append(slices.Clone(shown[:10]), fmt.Sprintf("... %d more", len(known)-10))
	}
	return 0, pipeline.Transient(fmt.Errorf("handlers: send-promo: promo %s names audience(s) %s that Chat Inc does not have (it has: %s); no campaign was created; "+
		"retrying in case the event that creates it is still on its way, else fix audiences and replay",
		ev.PromoID, strings.Join(missing, ", "), strings.Join(shown, ", ")), 0)
}
