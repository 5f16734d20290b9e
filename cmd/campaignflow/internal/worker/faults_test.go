package worker_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/cmd/campaignflow/internal/config"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
	"github.com/campaignflow/campaignflow/sources/natstest"
)

func withFaults(spec string) envOption {
	return func(_ *config.Config, so *sandbox.Options) {
		f, err := sandbox.ParseFaults(spec)
		if err != nil {
			panic(err)
		}
		so.Faults = f
	}
}

// TestRateLimitAnd5xxStormsRetryInsideTheClient: with a third of all
// requests answered 429 and some 503, every promo still ends as one campaign
// with one run, and the retries happen in the client, not as a storm of
// redeliveries.
func TestRateLimitAnd5xxStormsRetryInsideTheClient(t *testing.T) {
	e := newEnv(t, withFaults("*=429@0.3,*=503@0.15"))
	seedAudience(e, "vip", 5)
	const promos = 12
	for i := range promos {
		e.publish("send-promo", fmt.Sprintf("storm-%d", i), promo(fmt.Sprintf("p-storm-%d", i), fmt.Sprintf("Storm %d", i), nil))
	}
	e.settled(60 * time.Second)
	for i := range promos {
		if cs := e.campaignsTitled(fmt.Sprintf("Storm %d", i)); len(cs) != 1 || len(cs[0].Runs) != 1 {
			t.Errorf("Storm %d: %+v, want one campaign with one run", i, cs)
		}
	}
	naks, acks := e.out.count(pipeline.OutcomeNak), e.out.count(pipeline.OutcomeAck)
	var requests int
	for _, n := range e.sim.State().Requests {
		requests += n
	}
	t.Logf("429/503 storm: %d events acked, %d naks (redeliveries), %d requests to the sandbox", acks, naks, requests)
	if naks > promos/4 {
		t.Fatalf("%d naks for %d promos: retries should happen in the client, not by redelivery", naks, promos)
	}
	if dl := e.deadLetters(); len(dl) != 0 {
		t.Fatalf("dead letters: %+v", dl)
	}
}

// TestDroppedConnectionOnCreateAndRunIsReconciled: the sandbox applies the
// create and the run, then drops the connection; the worker finds both in
// Chat Inc instead of creating or running twice.
func TestDroppedConnectionOnCreateAndRunIsReconciled(t *testing.T) {
	e := newEnv(t, withFaults(sandbox.PathCreateCampaign+"=drop@1x2,"+sandbox.PathRunCampaign+"=drop@1x2"))
	seedAudience(e, "vip", 2)
	for i := range 3 {
		e.publish("send-promo", fmt.Sprintf("drop-%d", i), promo(fmt.Sprintf("p-drop-%d", i), fmt.Sprintf("Drop %d", i), nil))
	}
	e.settled(60 * time.Second)
	for i := range 3 {
		if cs := e.campaignsTitled(fmt.Sprintf("Drop %d", i)); len(cs) != 1 || len(cs[0].Runs) != 1 {
			t.Errorf("Drop %d: %+v, want one campaign with one run", i, cs)
		}
	}
	if got := e.sim.State().Requests[sandbox.PathRunCampaign]; got < 3 {
		t.Fatalf("run requests %d: the drops did not happen", got)
	}
}

// TestNATSRestartMidStreamWorkerResumes: nats-server goes away with events
// in flight and comes back; the worker says not ready while it is down,
// resumes by itself and processes everything.
func TestNATSRestartMidStreamWorkerResumes(t *testing.T) {
	e := newEnv(t)
	segment := func(i int) {
		e.publish("customer-segment-updated", fmt.Sprintf("restart-seg-%d", i), map[string]any{
			"audience": map[string]string{"id": fmt.Sprintf("aud-%d", i), "name": "a"},
			"contacts": []map[string]any{{"number": fmt.Sprintf("+2782%07d", i)}},
		})
	}
	for i := range 20 {
		segment(i)
	}
	restart := natstest.Down(t, e.ns)
	pipelinetest.Eventually(t, 10*time.Second, func() (bool, string) {
		return e.w.Ready(context.Background()) != nil, "worker still says ready with nats-server down"
	})
	e.ns = restart()
	pipelinetest.Eventually(t, 20*time.Second, func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		err := e.w.Ready(ctx)
		return err == nil, fmt.Sprintf("not ready after restart: %v", err)
	})
	for i := 20; i < 40; i++ {
		segment(i)
	}
	e.settled(30 * time.Second)
	for i := range 40 {
		if m, ok := e.sim.Audience(fmt.Sprintf("aud-%d", i)); !ok || len(m) != 1 {
			t.Errorf("aud-%d = %v (exists %v) after the restart", i, m, ok)
		}
	}
}

// TestDLQReplayOfAFixedEventProcessesItOnce: a promo naming a variable
// group that does not exist yet is dead-lettered; once the group exists,
// replaying it runs the promo exactly once and removes the dead letter.
func TestDLQReplayOfAFixedEventProcessesItOnce(t *testing.T) {
	e := newEnv(t)
	seedAudience(e, "vip", 2)
	p := with(promo("p-replay", "Replay", nil), "message", "Hi {late.first_name}")
	e.publish("send-promo", "replay-1", p)
	e.settled(15 * time.Second)
	dl := e.deadLetters()
	if len(dl) != 1 || dl[0].Class != "validation" {
		t.Fatalf("dead letters %+v, want the promo as validation", dl)
	}
	e.publish("customer-segment-updated", "late-group", map[string]any{
		"audience":       map[string]string{"id": "vip", "name": "vip"},
		"contacts":       []map[string]any{{"number": "+27820000001", "attributes": map[string]string{"first_name": "A"}}},
		"variable_group": map[string]any{"id": "late", "name": "late", "fields": []string{"first_name"}},
	})
	e.settled(15 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dlq := pipeline.NewDLQ(e.js, e.cfg.Names)
	if _, err := dlq.Replay(ctx, dl[0].Seq); err != nil {
		t.Fatalf("replay: %v", err)
	}
	if _, err := dlq.Replay(ctx, dl[0].Seq); err == nil {
		t.Fatal("a replayed dead letter must be gone")
	}
	e.settled(20 * time.Second)
	if cs := e.campaignsTitled("Replay"); len(cs) != 1 || len(cs[0].Runs) != 1 {
		t.Fatalf("after replay: %+v, want one campaign with one run", cs)
	}
	if dl := e.deadLetters(); len(dl) != 0 {
		t.Fatalf("dead letters after replay: %+v", dl)
	}
}
