package worker_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/worker"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
)

func withGrace(d time.Duration) envOption {
	return func(c *config.Config, _ *sandbox.Options) { c.Consumer.Grace = d }
}

// waitForRequest waits until the sandbox has seen a request to path.
func waitForRequest(e *env, path string) {
	e.t.Helper()
	pipelinetest.Eventually(e.t, 15*time.Second, func() (bool, string) {
		n := e.sim.State().Requests[path]
		return n > 0, fmt.Sprintf("%d requests to %s", n, path)
	})
}

// TestShutdownLetsInFlightEventsFinish: a promo whose create call is slow
// is in flight when the worker is asked to stop; within the grace period it
// finishes, is acked, and nothing is redelivered.
func TestShutdownLetsInFlightEventsFinish(t *testing.T) {
	e := newEnv(t, withGrace(10*time.Second), withFaults(sandbox.PathRunCampaign+"=latency@1x1:1500ms"))
	seedAudience(e, "vip", 1)
	e.publish("send-promo", "slow-1", promo("p-slow", "Slow", nil))
	waitForRequest(e, sandbox.PathRunCampaign)
	e.stop()
	if cs := e.campaignsTitled("Slow"); len(cs) != 1 || len(cs[0].Runs) != 1 {
		t.Fatalf("after a graceful stop: %+v, want the in-flight promo finished", cs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := e.js.Consumer(ctx, e.cfg.Names.EventsStream, e.cfg.Names.EventsConsumer)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.NumAckPending != 0 || info.NumPending != 0 || info.NumRedelivered != 0 {
		t.Fatalf("consumer after graceful stop: pending %d, ack pending %d, redelivered %d; want all acked",
			info.NumPending, info.NumAckPending, info.NumRedelivered)
	}
}

// TestShutdownPastGraceNaksAndTheNextWorkerFinishes: a handler still busy
// when the grace period ends is cancelled and its event nak'ed, never acked;
// the next worker finishes it, once.
func TestShutdownPastGraceNaksAndTheNextWorkerFinishes(t *testing.T) {
	e := newEnv(t, withGrace(200*time.Millisecond), withFaults(sandbox.PathCreateCampaign+"=latency@1x1:3s"))
	seedAudience(e, "vip", 1)
	e.publish("send-promo", "slow-2", promo("p-slow-2", "Slow two", nil))
	waitForRequest(e, sandbox.PathCreateCampaign)
	start := time.Now()
	e.stop()
	if d := time.Since(start); d > 2500*time.Millisecond {
		t.Fatalf("shutdown took %s with a 200ms grace", d)
	}
	if cs := e.campaignsTitled("Slow two"); len(cs) == 1 && len(cs[0].Runs) > 0 {
		t.Fatalf("the cancelled handler must not have run the campaign: %+v", cs)
	}
	e.start()
	e.settled(30 * time.Second)
	if cs := e.campaignsTitled("Slow two"); len(cs) != 1 || len(cs[0].Runs) != 1 {
		t.Fatalf("after restart: %+v, want one campaign with one run", cs)
	}
	if dl := e.deadLetters(); len(dl) != 0 {
		t.Fatalf("dead letters: %+v", dl)
	}
}

// TestSecondSignalStopsNowAndNaks: with a long grace, the shutdown says
// which events it waits for; the force context (a second Ctrl-C) ends the
// wait at once, the event in flight is nak'ed (not acked, not dead-
// lettered) and the next worker finishes it.
func TestSecondSignalStopsNowAndNaks(t *testing.T) {
	force, forceNow := context.WithCancel(context.Background())
	defer forceNow()
	e := newEnv(t, withGrace(time.Minute), withFaults(sandbox.PathCreateCampaign+"=latency@1x1:12s"))
	e.stop()
	e.wopts = append(e.wopts, worker.WithForceStop(force))
	e.start()
	seedAudience(e, "vip", 1)
	e.publish("send-promo", "slow-3", promo("p-slow-3", "Slow three", nil))
	waitForRequest(e, sandbox.PathCreateCampaign)
	stopped := make(chan struct{})
	go func() { defer close(stopped); e.stop() }()
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) {
		return strings.Contains(e.logs.String(), "still waiting for the events in flight"), "no 'still waiting' line yet"
	})
	forceNow()
	select {
	case <-stopped:
	case <-time.After(15 * time.Second):
		t.Fatal("the worker did not stop within 15s of the second signal (grace 1m)")
	}
	logs := e.logs.String()
	for _, want := range []string{"in_flight=\"1: chatinc.events.send-promo slow-3\"", "stopping now: cancelling the events in flight"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q", want)
		}
	}
	e.start()
	e.settled(40 * time.Second)
	if cs := e.campaignsTitled("Slow three"); len(cs) != 1 || len(cs[0].Runs) != 1 {
		t.Fatalf("after restart: %+v, want one campaign with one run", cs)
	}
	if dl := e.deadLetters(); len(dl) != 0 {
		t.Fatalf("dead letters: %+v", dl)
	}
}
