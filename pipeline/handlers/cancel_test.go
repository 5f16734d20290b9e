package handlers

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/pipeline/events"
	"github.com/campaignflow/campaignflow/pipeline/jobs"
)

// TestCancelWinsWhicheverIsHandledFirst: a schedule-cancelled published
// after a cron send-promo cancels it even when it is handled first (the
// promo waits for its template's approval before storing its schedule); a
// send-promo published after the cancel schedules again.
func TestCancelWinsWhicheverIsHandledFirst(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	e.seedAudience(t)
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	cron := func(id string) *events.SendPromo {
		p := promo(id)
		p.Schedule = &events.Schedule{Cron: "0 9 * * FRI"}
		return p
	}
	stored := func(id string) bool {
		_, err := e.jobs.Get(context.Background(), jobs.PromoKey(id))
		if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	at := func(d time.Duration) context.Context { return withPublished(context.Background(), t0.Add(d)) }

	// The cancel (published at +1s) is handled before the promo (+0s).
	if err := e.h.Cancel.cancel(at(time.Second), "c1", &events.ScheduleCancelled{PromoID: "weekly"}); err != nil {
		t.Fatal(err)
	}
	if err := e.h.Promo.promo(at(0), "p1", cron("weekly")); err != nil {
		t.Fatal(err)
	}
	if stored("weekly") {
		t.Fatal("a promo published before the cancel stored its schedule")
	}
	// In order: stored, then cancelled.
	if err := e.h.Promo.promo(at(2*time.Second), "p2", cron("daily")); err != nil || !stored("daily") {
		t.Fatalf("promo in order: %v, stored %v", err, stored("daily"))
	}
	if err := e.h.Cancel.cancel(at(3*time.Second), "c2", &events.ScheduleCancelled{PromoID: "daily"}); err != nil || stored("daily") {
		t.Fatalf("cancel in order: %v, stored %v", err, stored("daily"))
	}
	// A promo published after the cancel schedules again.
	if err := e.h.Promo.promo(at(4*time.Second), "p3", cron("weekly")); err != nil || !stored("weekly") {
		t.Fatalf("promo after the cancel: %v, stored %v", err, stored("weekly"))
	}
}
