package sources_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/sources"
	"github.com/campaignflow/campaignflow/sources/natstest"
)

func TestEnsureTopology(t *testing.T) {
	ctx := context.Background()
	_, url := natstest.RunJetStream(t)
	js := natstest.JetStream(t, url)
	names := sources.DefaultNames()
	opts := sources.DefaultTopologyOptions()
	top, err := sources.EnsureTopology(ctx, js, names, opts)
	if err != nil {
		t.Fatal(err)
	}
	if top.Events.CachedInfo().Config.Duplicates.Minutes() != 2 || top.Consumer.CachedInfo().Config.AckPolicy != jetstream.AckExplicitPolicy {
		t.Fatalf("events stream or consumer misconfigured: %+v", top.Events.CachedInfo().Config)
	}
	// Idempotent, and tunables are updated in place.
	opts.MaxAckPending = 7
	top, err = sources.EnsureTopology(ctx, js, names, opts)
	if err != nil || top.Consumer.CachedInfo().Config.MaxAckPending != 7 {
		t.Fatalf("second ensure: %v", err)
	}
	for _, b := range []string{"campaignflow_ledger", "campaignflow_jobs", "campaignflow_leases"} {
		if _, err := js.KeyValue(ctx, b); err != nil {
			t.Fatalf("bucket %s: %v", b, err)
		}
	}
}

func TestEnsureTopologyRefusesIncompatibleStream(t *testing.T) {
	ctx := context.Background()
	_, url := natstest.RunJetStream(t)
	js := natstest.JetStream(t, url)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "CHATINC_EVENTS", Subjects: []string{"other.>"}, Storage: jetstream.MemoryStorage}); err != nil {
		t.Fatal(err)
	}
	_, err := sources.EnsureTopology(ctx, js, sources.DefaultNames(), sources.DefaultTopologyOptions())
	var ie *sources.IncompatibleError
	if !errors.As(err, &ie) || len(ie.Differences) != 2 || !strings.Contains(err.Error(), "subjects are [other.>]") || !strings.Contains(err.Error(), "nats stream rm") {
		t.Fatalf("err = %v, want both differences and how to fix", err)
	}
}

// TestRetentionOfEventsAndDeadLetters: the events and dead-letter streams
// keep messages for the configured max ages (they hold phone numbers), and
// a later start with other ages updates them in place.
func TestRetentionOfEventsAndDeadLetters(t *testing.T) {
	e, _ := setup(t, sources.DefaultTopologyOptions())
	opts := sources.DefaultTopologyOptions()
	opts.EventsMaxAge, opts.DLQMaxAge = 30*24*time.Hour, 14*24*time.Hour
	top, err := sources.EnsureTopology(context.Background(), e.js, sources.DefaultNames(), opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		stream jetstream.Stream
		want   time.Duration
	}{{top.Events, 30 * 24 * time.Hour}, {top.DLQ, 14 * 24 * time.Hour}} {
		info, err := s.stream.Info(context.Background())
		if err != nil || info.Config.MaxAge != s.want {
			t.Fatalf("%s max age %v, want %v (%v)", info.Config.Name, info.Config.MaxAge, s.want, err)
		}
	}
}
