package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/bench"
	"github.com/campaignflow/campaignflow/sources/natstest"
)

// TestE2EDrainsEveryEventOnBothSides: both the plain pipeline and the
// worker drain every stored event into the sandbox, every audience ends
// with its 10 contacts and nothing is dead-lettered.
func TestE2EDrainsEveryEventOnBothSides(t *testing.T) {
	_, natsURL := natstest.RunJetStream(t)
	sb, simURL := sandboxtest.Start(t, sandbox.Options{APIKey: "bench"})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := bench.E2E(ctx, bench.E2EOptions{Events: 300, NATSURL: natsURL, ChatIncURL: simURL, APIKey: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Anchor.Rate <= 0 || r.Project.Rate <= 0 {
		t.Fatalf("rates %v / %v, want both measured", r.Anchor.Rate, r.Project.Rate)
	}
	for name, want := range map[string]float64{"dead letters": 0, "audiences without their 10 contacts": 0, "campaignflow create-audience requests (429s included)": 300} {
		if got, ok := r.Metric(name); !ok || got != want {
			t.Errorf("%s = %v (%v), want %v", name, got, ok, want)
		}
	}
	if n := len(sb.State().Audiences); n != 300 {
		t.Errorf("%d audiences in the sandbox, want 300", n)
	}
}

// TestE2EAgainstAThrottlingSandbox: with the sandbox's rate limit the
// worker's calls per second are measured after the warm-up and no event is
// lost or dead-lettered.
func TestE2EAgainstAThrottlingSandbox(t *testing.T) {
	_, natsURL := natstest.RunJetStream(t)
	_, simURL := sandboxtest.Start(t, sandbox.Options{APIKey: "bench", RateLimit: 100})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := bench.E2E(ctx, bench.E2EOptions{Events: 400, NATSURL: natsURL, ChatIncURL: simURL, APIKey: "bench", RateLimit: 100, Warmup: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%.0f calls/s against a limit of 100", r.Project.Rate)
	if r.Project.Rate <= 0 || r.Project.Rate > 150 {
		t.Errorf("%.0f calls/s measured, want some and not far above the limit of 100", r.Project.Rate)
	}
	for name, want := range map[string]float64{"dead letters": 0, "audiences without their 10 contacts": 0} {
		if got, ok := r.Metric(name); !ok || got != want {
			t.Errorf("%s = %v (%v), want %v", name, got, ok, want)
		}
	}
}
