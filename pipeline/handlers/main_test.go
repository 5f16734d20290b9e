package handlers

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/campaignflow/campaignflow/chatinc"
	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
	"github.com/campaignflow/campaignflow/sinks"
	"github.com/campaignflow/campaignflow/sources"
	"github.com/campaignflow/campaignflow/sources/natstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m, natstest.LeakOptions()...) }

// startJetStream runs an in-process nats-server with JetStream
// (sources/natstest) and returns a JetStream context on it.
func startJetStream(tb testing.TB) jetstream.JetStream {
	tb.Helper()
	_, url := natstest.RunJetStream(tb)
	return natstest.JetStream(tb, url)
}

// report reads the ingest report published (by the real sinks.Publisher)
// on chatinc.results.ingest.<eventID>.
func (e *env) report(t *testing.T, eventID string) sinks.IngestReport {
	t.Helper()
	msg, err := e.topo.Results.GetLastMsgForSubject(context.Background(), e.topo.Names.ResultIngestSubject(eventID))
	if err != nil {
		t.Fatalf("no ingest report for %s: %v", eventID, err)
	}
	var rep sinks.IngestReport
	if err := json.Unmarshal(msg.Data, &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

type runLog struct {
	mu   sync.Mutex
	runs []RunInfo
}

func (l *runLog) RunStarted(_ context.Context, info RunInfo) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.runs = append(l.runs, info)
	return nil
}

type env struct {
	js   jetstream.JetStream
	sb   *sandbox.Server
	h    *Handlers
	topo *sources.Topology
	runs *runLog
	jobs jetstream.KeyValue
}

// newEnv wires the handlers to a real nats-server (ledger and jobs KV) and
// the sandbox over HTTP; the handlers' clock is the sandbox's simulated
// clock and sleeping advances it.
func newEnv(tb testing.TB, sbOpts sandbox.Options, opts ...Option) *env {
	tb.Helper()
	ctx := context.Background()
	js := startJetStream(tb)
	topo, err := sources.EnsureTopology(ctx, js, sources.DefaultNames(), sources.DefaultTopologyOptions())
	if err != nil {
		tb.Fatal(err)
	}
	jobs := topo.Jobs
	if sbOpts.ApproveAfter == 0 {
		sbOpts.ApproveAfter = 3 * time.Second
	}
	sb, url := sandboxtest.Start(tb, sbOpts)
	client, err := chatinc.New(url, "test-key", chatinc.WithSleep(func(context.Context, time.Duration) error { return nil }))
	if err != nil {
		tb.Fatal(err)
	}
	e := &env{js: js, sb: sb, topo: topo, runs: &runLog{}, jobs: jobs}
	advance := func(_ context.Context, d time.Duration) error { sb.Advance(d); return nil }
	all := append([]Option{WithJobs(jobs), WithRunObserver(e.runs), WithClock(sb.Now, advance),
		WithApproval(ApprovalPolicy{Initial: time.Second, Max: 10 * time.Second, Limit: time.Minute})}, opts...)
	e.h, err = New(client, ledger.New(topo.Ledger, ledger.WithNow(sb.Now)), sinks.NewPublisher(js, topo.Names), all...)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}
