package worker_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
	"github.com/campaignflow/campaignflow/sources"
	"github.com/campaignflow/campaignflow/sources/natstest"
)

// workerBinary builds cmd/campaignflow once per test run.
func workerBinary(t *testing.T) string {
	t.Helper()
	return pipelinetest.Binary(t, "./cmd/campaignflow")
}

// TestCrashKill9TwentyTimesLosesAndDuplicatesNothing runs the worker binary
// against a real nats-server and sandbox, feeds it 200 events while killing
// it with SIGKILL at random moments 20 times, then lets a last worker
// finish and stops it with SIGTERM. Every promo must have exactly one
// campaign and one run, every contact must be in its audience, the DLQ must
// be empty.
func TestCrashKill9TwentyTimesLosesAndDuplicatesNothing(t *testing.T) {
	bin := workerBinary(t)
	ns, url := natstest.RunJetStream(t)
	_ = ns
	sim, simURL := sandboxtest.Start(t, sandbox.Options{APIKey: "crash-key", ApproveAfter: 2 * time.Second, TimeScale: 3600, Seed: 3})
	nc := natstest.Connect(t, url)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	names := sources.DefaultNames()
	env := append(os.Environ(),
		"CAMPAIGNFLOW_NATS_URL="+url, "CHATINC_API_KEY=crash-key", "CHATINC_URL="+simURL,
		"CAMPAIGNFLOW_CONSUMER__ACK_WAIT=2s", "CAMPAIGNFLOW_CHATINC__RATE_LIMIT=2000", "CAMPAIGNFLOW_CHATINC__RATE_BURST=200",
		"CAMPAIGNFLOW_CHATINC__RETRY_MAX_ELAPSED=3s", "CAMPAIGNFLOW_CHATINC__TIMEOUT=3s", "CAMPAIGNFLOW_RESULTS__TIME_SCALE=3600",
		"CAMPAIGNFLOW_CONSUMER__MAX_DELIVER=30")
	logs := &pipelinetest.SyncBuffer{}
	start := func(httpAddr string) *exec.Cmd {
		cmd := exec.Command(bin, "run", "--http-addr", httpAddr, "--worker-id", "crash", "--log-format", "text")
		cmd.Env, cmd.Stdout, cmd.Stderr = env, logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("worker logs (last 20k):\n%s", tail(logs.String(), 20000))
		}
	})

	const rounds, perRound, contactsPer = 20, 10, 5
	rng := rand.New(rand.NewPCG(1, 2))
	published := 0
	publish := func(typ, id string, body any) {
		b := mustJSON(t, body)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := js.PublishMsg(ctx, &nats.Msg{Subject: names.EventSubject(typ), Data: b,
			Header: nats.Header{jetstream.MsgIDHeader: []string{id}}}); err != nil {
			t.Fatalf("publish %s: %v", id, err)
		}
		published++
	}
	// the worker creates the topology; publish once it exists
	first := start("")
	pipelinetest.Eventually(t, 30*time.Second, func() (bool, string) {
		_, err := js.Stream(context.Background(), names.EventsStream)
		return err == nil, fmt.Sprintf("events stream: %v", err)
	})
	kill := func(cmd *exec.Cmd) {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
	}
	cmd := first
	n := 0
	for round := range rounds {
		for range perRound / 2 {
			publish("customer-segment-updated", fmt.Sprintf("crash-seg-%d", n), segmentBody(n, contactsPer))
			publish("send-promo", fmt.Sprintf("crash-promo-%d", n), crashPromo(n))
			n++
		}
		if round > 0 {
			cmd = start("")
		}
		<-time.After(time.Duration(100+rng.IntN(900)) * time.Millisecond) // the chaos: kill at a random moment
		kill(cmd)
	}
	addr := freeAddr(t)
	last := start(addr)
	pipelinetest.Eventually(t, 30*time.Second, func() (bool, string) { // SIGTERM must find the worker up
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
	settled := func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		c, err := js.Consumer(ctx, names.EventsStream, names.EventsConsumer)
		if err != nil {
			return false, err.Error()
		}
		info, err := c.Info(ctx)
		if err != nil {
			return false, err.Error()
		}
		return info.NumPending == 0 && info.NumAckPending == 0, fmt.Sprintf("pending %d ack pending %d redelivered %d",
			info.NumPending, info.NumAckPending, info.NumRedelivered)
	}
	pipelinetest.Eventually(t, 120*time.Second, settled)
	_ = last.Process.Signal(syscall.SIGTERM)
	if err := last.Wait(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Errorf("SIGTERM: worker exited %d, want 0", ee.ExitCode())
		}
	}

	lost, dup, missingContacts := 0, 0, 0
	for i := range n {
		var cs []sandbox.CampaignState
		for _, c := range sim.Campaigns() {
			if c.Title == fmt.Sprintf("Crash promo %d", i) {
				cs = append(cs, c)
			}
		}
		runs := 0
		for _, c := range cs {
			runs += len(c.Runs)
		}
		switch {
		case len(cs) == 0 || runs == 0:
			lost++
		case len(cs) > 1 || runs > 1:
			dup++
			t.Errorf("promo %d: %d campaigns, %d runs", i, len(cs), runs)
		}
		if m, _ := sim.Audience(fmt.Sprintf("crash-aud-%d", i)); len(m) != contactsPer {
			missingContacts += contactsPer - len(m)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dl, err := pipeline.NewDLQ(js, names).List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("crash test: %d events published, %d SIGKILLs, promos lost %d, duplicated %d, contacts missing %d, dead letters %d",
		published, rounds, lost, dup, missingContacts, len(dl))
	if lost != 0 || dup != 0 || missingContacts != 0 || len(dl) != 0 {
		t.Fatalf("lost %d, duplicated %d, contacts missing %d, dead letters %+v", lost, dup, missingContacts, dl)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func segmentBody(i, contacts int) map[string]any {
	cs := make([]map[string]any, contacts)
	for j := range cs {
		cs[j] = map[string]any{"number": fmt.Sprintf("+2783%03d%04d", i, j)}
	}
	return map[string]any{"audience": map[string]string{"id": fmt.Sprintf("crash-aud-%d", i), "name": "crash"}, "contacts": cs}
}

func crashPromo(i int) map[string]any {
	return map[string]any{"promo_id": fmt.Sprintf("crash-%d", i), "title": fmt.Sprintf("Crash promo %d", i),
		"message": "Deals today {}", "audiences": []string{"all"}}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
