package handlers

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/events"
)

// TestRegisterOrderedCarriesPublishTime: a handler registered ordered (promo,
// cancel) reads the message's publish time from its context; one registered
// plainly reads "now", the fallback of a direct call.
func TestRegisterOrderedCarriesPublishTime(t *testing.T) {
	published := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	now := published.Add(time.Hour)
	var got []time.Time
	handle := func(ctx context.Context, _ string, _ *events.ScheduleCancelled) error {
		got = append(got, publishedAt(ctx, now))
		return nil
	}
	r := pipeline.NewRouter()
	registerOrdered(r, "ordered", handle)
	register(r, "plain", handle)
	for _, typ := range []string{"ordered", "plain"} {
		m := &pipeline.Message{Type: typ, ID: "e1", Published: published, Data: []byte(`{"promo_id":"p"}`)}
		if err := r.Handler()(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if want := []time.Time{published, now}; !slices.Equal(got, want) {
		t.Fatalf("publish times %v, want %v", got, want)
	}
}
