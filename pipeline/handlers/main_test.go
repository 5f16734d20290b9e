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
	"github.com/campaignflow/campaignflow/pipeline"
	"github.com/campaignflow/campaignflow/pipeline/caps"
	"github.com/campaignflow/campaignflow/pipeline/ledger"
	"github.com/campaignflow/campaignflow/pipeline/pipelinetest"
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
	js     jetstream.JetStream
	sb     *sandbox.Server
	client *chatinc.Client
	ledger *ledger.Ledger
	runs   *RunStarter
	h      Set
	topo   *sources.Topology
	plans  *runLog
	jobs   jetstream.KeyValue
}

// newEnv wires the handlers to a real nats-server (ledger and jobs KV) and
// the sandbox over HTTP; the handlers' clock is the sandbox's simulated
// clock and waiting on it advances it.
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
	client, err := chatinc.New(url, "test-key", chatinc.WithClock(pipelinetest.NewInstantClock()))
	if err != nil {
		tb.Fatal(err)
	}
	e := &env{js: js, sb: sb, client: client, topo: topo, plans: &runLog{}, jobs: jobs}
	reports := sinks.NewPublisher(js, topo.Names)
	all := append([]Option{WithRunObserver(e.plans), WithClock(sandboxtest.Clock{Sandbox: sb}),
		WithApproval(ApprovalPolicy{Initial: time.Second, Max: 10 * time.Second, Limit: time.Minute}),
		WithCaps(caps.New(topo.Caps)), WithSendReports(reports)}, opts...)
	e.ledger = ledger.New(topo.Ledger, ledger.WithClock(sandboxtest.Clock{Sandbox: sb}))
	must := func(err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	e.runs, err = NewRunStarter(client, e.ledger, all...)
	must(err)
	e.h.Segment, err = NewSegmentHandler(client, reports, all...)
	must(err)
	e.h.File, err = NewFileHandler(client, reports, all...)
	must(err)
	e.h.Promo, err = NewPromoHandler(client, e.ledger, e.runs, jobs, all...)
	must(err)
	e.h.Cancel, err = NewCancelHandler(jobs, all...)
	must(err)
	return e
}

// handle runs the handler of eventType on a body, as a message would (one
// router with the four handlers).
func (e *env) handle(ctx context.Context, eventType, eventID string, data []byte) error {
	r := pipeline.NewRouter()
	e.h.Register(r)
	return r.Handler()(ctx, &pipeline.Message{Type: eventType, ID: eventID, Data: data})
}
